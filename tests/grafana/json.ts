/**
 * `Json<T>`: the shape of T as it is written in a JSON file. @grafana/schema declares some
 * fields as TypeScript string enums (ThresholdsMode, MappingType, …), which no JSON string
 * literal can satisfy; this maps every string enum to the union of its values
 * (`${ThresholdsMode}` = "absolute" | "percentage") and keeps everything else as declared.
 */
export type Json<T> = T extends string
  ? `${T}`
  : T extends Array<infer U>
    ? Array<Json<U>>
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;
