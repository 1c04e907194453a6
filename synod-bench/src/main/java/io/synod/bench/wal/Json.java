package io.synod.bench.wal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** One flat JSON object per measured point, printed on one line. */
final class Json {
  private final Map<String, String> fields = new LinkedHashMap<>();

  static Json point(String bench) {
    return new Json().put("bench", bench);
  }

  Json put(String key, String value) {
    fields.put(key, "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
    return this;
  }

  Json put(String key, long value) {
    fields.put(key, Long.toString(value));
    return this;
  }

  Json put(String key, double value) {
    fields.put(key, String.format(Locale.ROOT, "%.2f", value));
    return this;
  }

  /** Mean, p50, p99, p99.9 and max of a histogram of nanoseconds, in microseconds. */
  Json latency(Histogram nanos) {
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
