package io.synod.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** One flat JSON object, printed on one line: the benchmarks' output format. */
public final class JsonLine {
  private final Map<String, String> fields = new LinkedHashMap<>();

  public JsonLine put(String key, String value) {
    if (value == null) {
      fields.put(key, "null");
      return this;
    }
    StringBuilder quoted = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        case '\n' -> quoted.append("\\n");
        case '\r' -> quoted.append("\\r");
        case '\t' -> quoted.append("\\t");
        default -> {
          if (c < 0x20) {
            quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    fields.put(key, quoted.append('"').toString());
    return this;
  }

  public JsonLine put(String key, long value) {
    fields.put(key, Long.toString(value));
    return this;
  }

  public JsonLine put(String key, double value) {
    fields.put(key, Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f", value) : "null");
    return this;
  }

  public JsonLine put(String key, boolean value) {
    fields.put(key, Boolean.toString(value));
    return this;
  }

  /** Mean, p50, p99, p99.9 and max of a histogram of nanoseconds, in microseconds. */
  public JsonLine latency(Histogram nanos) {
    put("samples", nanos.getTotalCount());
    put("mean_us", nanos.getMean() / 1e3);
    put("p50_us", nanos.getValueAtPercentile(50) / 1e3);
    put("p99_us", nanos.getValueAtPercentile(99) / 1e3);
    put("p999_us", nanos.getValueAtPercentile(99.9) / 1e3);
    put("max_us", nanos.getMaxValue() / 1e3);
    return this;
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("{");
    fields.forEach((k, v) -> out.append(out.length() > 1 ? ", " : "").append('"').append(k).append("\": ").append(v));
    return out.append('}').toString();
  }
}
