//! OpenTelemetry trace export, from the standard `OTEL_*` variables.
//!
//! The names are the OpenTelemetry SDK's own, so an operator's existing collector settings
//! work unchanged; but this server reads them itself (rather than letting the SDK read the
//! process environment) so that they can also come from `.env` or flags, and so that a bad
//! protocol, sampler or header list stops the start with a clear message instead of being
//! silently ignored by the SDK.

use std::time::Duration;

use url::Url;

use super::reader::Reader;

/// The OTLP wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtlpProtocol {
    /// Protobuf over HTTP POST to `.../v1/traces` (the OTLP default).
    HttpProtobuf,
    /// gRPC (`opentelemetry.proto.collector.trace.v1.TraceService/Export`).
    Grpc,
}

/// Which traces are recorded (the `OTEL_TRACES_SAMPLER` values of the specification).
#[derive(Debug, Clone, PartialEq)]
pub enum TraceSampler {
    /// Every trace.
    AlwaysOn,
    /// No trace.
    AlwaysOff,
    /// This fraction of traces, decided from the trace id.
    Ratio(f64),
    /// Follow the caller's sampled flag; for new traces use the inner rule.
    ParentBased(Box<TraceSampler>),
}

/// Trace export settings; `None` in [`super::Config::otel`] means tracing is off.
#[derive(Clone)]
pub struct OtelConfig {
    /// Where spans go: the full traces URL for http/protobuf, the collector for gRPC.
    pub endpoint: Url,
    /// Wire protocol.
    pub protocol: OtlpProtocol,
    /// Extra request headers (gRPC metadata), e.g. a collector's API key.
    pub headers: Vec<(String, String)>,
    /// `service.name` of the resource.
    pub service_name: String,
    /// Sampling rule.
    pub sampler: TraceSampler,
    /// How long one export may take before it is abandoned.
    pub timeout: Duration,
}

impl std::fmt::Debug for OtelConfig {
    // Header values often carry collector credentials: only their names are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtelConfig")
            .field("endpoint", &self.endpoint.as_str())
            .field("protocol", &self.protocol)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("service_name", &self.service_name)
            .field("sampler", &self.sampler)
            .field("timeout", &self.timeout)
            .finish()
    }
}

const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
const TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
const PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
const HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
const TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
const SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
const SAMPLER: &str = "OTEL_TRACES_SAMPLER";
const SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";

impl OtelConfig {
    /// Reads the settings; `None` when neither endpoint variable is set.
    pub(super) fn read(r: &mut Reader<'_>) -> Option<OtelConfig> {
        let protocol = match r.string(PROTOCOL).as_deref() {
            None | Some("http/protobuf") => Some(OtlpProtocol::HttpProtobuf),
            Some("grpc") => Some(OtlpProtocol::Grpc),
            Some("http/json") => {
                r.invalid(
                    PROTOCOL,
                    "http/json is not supported by this server; use http/protobuf or grpc",
                );
                None
            }
            Some(_) => {
                r.invalid(PROTOCOL, "expected http/protobuf or grpc");
                None
            }
        };
        let headers = match r.settings().get(HEADERS).map(parse_headers) {
            None => Vec::new(),
            Some(Ok(h)) => h,
            Some(Err(e)) => {
                r.invalid(HEADERS, e);
                Vec::new()
            }
        };
        let sampler = match parse_sampler(
            r.string(SAMPLER).as_deref(),
            r.string(SAMPLER_ARG).as_deref(),
        ) {
            Ok(s) => s,
            Err((env, e)) => {
                r.invalid(env, e);
                TraceSampler::ParentBased(Box::new(TraceSampler::AlwaysOn))
            }
        };
        let timeout = Duration::from_millis(r.u64_in(TIMEOUT, 1, 600_000));
        let service_name = r
            .string(SERVICE_NAME)
            .unwrap_or_else(|| "mcp-atlassian".to_owned());
        let traces = r.http_url(TRACES_ENDPOINT);
        let base = r.http_url(ENDPOINT);
        let protocol = protocol?;
        // The specification: the per-signal URL is used as it is; the base URL gets the
        // signal path appended for HTTP, and names the collector as it is for gRPC.
        let endpoint = match (traces, base) {
            (Some(t), _) => t,
            (None, Some(b)) if protocol == OtlpProtocol::HttpProtobuf => {
                let joined = format!("{}/v1/traces", b.as_str().trim_end_matches('/'));
                Url::parse(&joined).ok()?
            }
            (None, Some(b)) => b,
            (None, None) => return None,
        };
        Some(OtelConfig {
            endpoint,
            protocol,
            headers,
            service_name,
            sampler,
            timeout,
        })
    }
}

/// Parses `key1=value1,key2=value2` (values percent-encoded, as the specification says).
pub fn parse_headers(raw: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((key, value)) = item.split_once('=') else {
            return Err(format!(
                "expected key=value pairs separated by commas; an item has no '=' (item {})",
                out.len() + 1
            ));
        };
        let key = key.trim().to_ascii_lowercase();
        if http::HeaderName::from_bytes(key.as_bytes()).is_err() {
            return Err(format!("{key:?} is not a valid header name"));
        }
        let value = percent_decode(value.trim())
            .ok_or_else(|| format!("the value of {key} has a malformed %-escape"))?;
        if http::HeaderValue::from_str(&value).is_err() {
            return Err(format!(
                "the value of {key} has characters not allowed in a header"
            ));
        }
        out.push((key, value));
    }
    Ok(out)
}

fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Parses the sampler name and argument; the error names the variable at fault.
pub fn parse_sampler(
    name: Option<&str>,
    arg: Option<&str>,
) -> Result<TraceSampler, (&'static str, String)> {
    let ratio = || match arg {
        None => Ok(1.0),
        Some(a) => match a.parse::<f64>() {
            Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
            _ => Err((
                SAMPLER_ARG,
                "expected a sampling ratio from 0 to 1, e.g. 0.25".to_owned(),
            )),
        },
    };
    let parent = |s: TraceSampler| TraceSampler::ParentBased(Box::new(s));
    Ok(match name.map(str::to_ascii_lowercase).as_deref() {
        None | Some("parentbased_always_on") => parent(TraceSampler::AlwaysOn),
        Some("always_on") => TraceSampler::AlwaysOn,
        Some("always_off") => TraceSampler::AlwaysOff,
        Some("traceidratio") => TraceSampler::Ratio(ratio()?),
        Some("parentbased_always_off") => parent(TraceSampler::AlwaysOff),
        Some("parentbased_traceidratio") => parent(TraceSampler::Ratio(ratio()?)),
        Some(_) => {
            return Err((
                SAMPLER,
                "expected always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio".to_owned(),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn otel(pairs: &[(&str, &str)]) -> Result<Option<OtelConfig>, String> {
        Config::from_pairs(pairs.iter().copied())
            .map(|c| c.otel)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn tracing_is_off_without_an_endpoint() {
        assert!(otel(&[]).expect("valid").is_none());
        assert!(
            otel(&[(PROTOCOL, "grpc"), (SAMPLER, "always_on")])
                .expect("valid")
                .is_none()
        );
    }

    #[test]
    fn the_http_endpoint_gets_the_traces_path_and_grpc_keeps_it() {
        let http = otel(&[(ENDPOINT, "http://127.0.0.1:4318/")])
            .expect("valid")
            .expect("valid");
        assert_eq!(http.protocol, OtlpProtocol::HttpProtobuf);
        assert_eq!(http.endpoint.as_str(), "http://127.0.0.1:4318/v1/traces");
        assert_eq!(http.service_name, "mcp-atlassian");
        assert_eq!(http.timeout, Duration::from_secs(10));
        let grpc = otel(&[(ENDPOINT, "http://127.0.0.1:4317"), (PROTOCOL, "grpc")])
            .expect("valid")
            .expect("valid");
        assert_eq!(grpc.protocol, OtlpProtocol::Grpc);
        assert_eq!(grpc.endpoint.as_str(), "http://127.0.0.1:4317/");
        let own = otel(&[
            (ENDPOINT, "http://a:4318"),
            (TRACES_ENDPOINT, "http://b:9999/custom"),
        ])
        .expect("valid")
        .expect("valid");
        assert_eq!(own.endpoint.as_str(), "http://b:9999/custom");
    }

    #[test]
    fn an_unknown_protocol_is_a_start_up_error_naming_the_choices() {
        let e = otel(&[(ENDPOINT, "http://c:4318"), (PROTOCOL, "thrift")]).expect_err("an error");
        assert!(e.contains("OTEL_EXPORTER_OTLP_PROTOCOL"), "{e}");
        assert!(e.contains("http/protobuf or grpc"), "{e}");
        let e =
            otel(&[(ENDPOINT, "http://c:4318"), (PROTOCOL, "http/json")]).expect_err("an error");
        assert!(e.contains("not supported"), "{e}");
        let e = otel(&[(ENDPOINT, "not a url")]).expect_err("an error");
        assert!(e.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "{e}");
    }

    #[test]
    fn samplers_follow_the_specification_names() {
        let p = |s| TraceSampler::ParentBased(Box::new(s));
        assert_eq!(parse_sampler(None, None), Ok(p(TraceSampler::AlwaysOn)));
        assert_eq!(
            parse_sampler(Some("traceidratio"), Some("0.25")),
            Ok(TraceSampler::Ratio(0.25))
        );
        assert_eq!(
            parse_sampler(Some("parentbased_traceidratio"), None),
            Ok(p(TraceSampler::Ratio(1.0)))
        );
        assert_eq!(
            parse_sampler(Some("ALWAYS_OFF"), None),
            Ok(TraceSampler::AlwaysOff)
        );
        assert_eq!(
            parse_sampler(Some("sometimes"), None)
                .expect_err("an error")
                .0,
            SAMPLER
        );
        for bad in ["1.5", "-0.1", "half"] {
            assert_eq!(
                parse_sampler(Some("traceidratio"), Some(bad))
                    .expect_err("an error")
                    .0,
                SAMPLER_ARG,
                "{bad}"
            );
        }
        let e = otel(&[
            (ENDPOINT, "http://c:4318"),
            (SAMPLER, "parentbased_traceidratio"),
            (SAMPLER_ARG, "2"),
        ])
        .expect_err("an error");
        assert!(e.contains("OTEL_TRACES_SAMPLER_ARG"), "{e}");
    }

    #[test]
    fn headers_are_key_value_pairs_with_percent_escapes_and_stay_hidden() {
        assert_eq!(
            parse_headers("api-key=abc%20def, X-Tenant = t1").expect("valid"),
            vec![
                ("api-key".to_owned(), "abc def".to_owned()),
                ("x-tenant".to_owned(), "t1".to_owned())
            ]
        );
        assert!(
            parse_headers("novalue")
                .expect_err("an error")
                .contains("no '='")
        );
        assert!(parse_headers("bad key=1").is_err());
        assert!(
            parse_headers("k=%zz")
                .expect_err("an error")
                .contains("%-escape")
        );
        let e = otel(&[
            (ENDPOINT, "http://c:4318"),
            (HEADERS, "authorization=Bearer%20s3cret,broken"),
        ])
        .expect_err("an error");
        assert!(e.contains("OTEL_EXPORTER_OTLP_HEADERS"), "{e}");
        assert!(!e.contains("s3cret"), "the header value leaked: {e}");
        let ok = otel(&[
            (ENDPOINT, "http://c:4318"),
            (HEADERS, "authorization=s3cret"),
        ])
        .expect("valid")
        .expect("valid");
        assert!(!format!("{ok:?}").contains("s3cret"));
    }
}
