//! age encryption of bundles: x25519 recipients (`age1…`) to encrypt, identity files as
//! `age-keygen` writes them to decrypt. age authenticates every chunk, so a damaged `.age`
//! file fails here before the bundle is even read.

use std::io::{Read, Write};
use std::path::Path;

use age::secrecy::ExposeSecret;

use super::OpsError;

/// Encrypts `plain` to every recipient (each can decrypt alone).
pub fn encrypt(plain: &[u8], recipients: &[String]) -> Result<Vec<u8>, OpsError> {
    let parsed: Vec<age::x25519::Recipient> = recipients
        .iter()
        .map(|r| {
            r.parse()
                .map_err(|e| OpsError::Usage(format!("{r:?} is not an age public key ({e})")))
        })
        .collect::<Result<_, _>>()?;
    let encryptor =
        age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| OpsError::Usage(format!("cannot encrypt to these recipients: {e}")))?;
    let mut out = Vec::with_capacity(plain.len() + 512);
    let io = |e: std::io::Error| OpsError::Usage(format!("encryption failed: {e}"));
    let mut writer = encryptor.wrap_output(&mut out).map_err(io)?;
    writer.write_all(plain).map_err(io)?;
    writer.finish().map_err(io)?;
    Ok(out)
}

/// The identities in an identity file (`AGE-SECRET-KEY-1…` lines; `#` comments allowed).
pub fn load_identities(path: &Path) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>, OpsError> {
    let bad = |reason: String| {
        OpsError::Usage(format!(
            "cannot use identity file {}: {reason}; pass the file `mcp-atlassian backup keygen` or age-keygen wrote",
            path.display()
        ))
    };
    let raw = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let ids = age::IdentityFile::from_buffer(raw.as_slice())
        .map_err(|e| bad(e.to_string()))?
        .into_identities()
        .map_err(|e| bad(e.to_string()))?;
    if ids.is_empty() {
        return Err(bad("it holds no identity".into()));
    }
    Ok(ids)
}

/// Decrypts an age file with any of `identities`.
pub fn decrypt(
    cipher: &[u8],
    identities: &[Box<dyn age::Identity + Send + Sync>],
    label: &str,
) -> Result<Vec<u8>, OpsError> {
    let fail = |reason: String| OpsError::Decrypt {
        file: label.to_owned(),
        reason,
    };
    let decryptor = age::Decryptor::new(cipher).map_err(|e| {
        fail(format!(
            "not a readable age file, it is truncated or damaged ({e})"
        ))
    })?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => {
                fail("no identity given matches its recipients (wrong --identity file?)".into())
            }
            other => fail(other.to_string()),
        })?;
    let mut plain = Vec::new();
    reader.read_to_end(&mut plain).map_err(|e| {
        fail(format!(
            "the encrypted content is truncated or damaged ({e})"
        ))
    })?;
    Ok(plain)
}

/// A new x25519 key pair: (identity file text, public key).
pub fn keygen(now: time::OffsetDateTime) -> (String, String) {
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    let created = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let text = format!(
        "# created: {created}\n# public key: {public}\n{}\n",
        id.to_string().expose_secret()
    );
    (text, public)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(text: &str) -> Vec<Box<dyn age::Identity + Send + Sync>> {
        age::IdentityFile::from_buffer(text.as_bytes())
            .expect("parse")
            .into_identities()
            .expect("identities")
    }

    #[test]
    fn encrypted_data_decrypts_with_the_matching_identity_only() {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let (right, public) = keygen(now);
        let (wrong, _) = keygen(now);
        let cipher = encrypt(b"secret", &[public]).expect("encrypt");
        assert_eq!(
            decrypt(&cipher, &identity(&right), "b").expect("decrypt"),
            b"secret"
        );
        let err = decrypt(&cipher, &identity(&wrong), "b").expect_err("wrong key");
        assert!(
            err.to_string().contains("no identity given matches"),
            "{err}"
        );
    }

    #[test]
    fn a_flipped_byte_in_the_ciphertext_is_detected() {
        let (id, public) = keygen(time::OffsetDateTime::UNIX_EPOCH);
        let mut cipher = encrypt(&[7u8; 4096], &[public]).expect("encrypt");
        let at = cipher.len() - 100;
        cipher[at] ^= 1;
        assert!(decrypt(&cipher, &identity(&id), "b").is_err());
    }
}
