package dev.spindle.bench.equivalence;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One task result as sorted {@code key → JSON text} pairs, e.g. {@code stat.mode → "0644"} or
 * {@code results[3].rc → 0}, with {@link PerRunValues} applied. Empty objects and lists keep a
 * key of their own ({@code {}}, {@code []}) so that their presence is compared too.
 */
final class FlatResult {

    private FlatResult() {
    }

    static SortedMap<String, String> of(JsonObject result, String runDir) {
        SortedMap<String, String> flat = new TreeMap<>();
        flatten("", result, runDir, flat);
        return flat;
    }

    private static void flatten(String key, Object value, String runDir, SortedMap<String, String> flat) {
        if (value instanceof JsonObject object) {
            if (object.isEmpty() && !key.isEmpty()) {
                flat.put(key, "{}");
            }
            object.forEach(entry -> flatten(key.isEmpty() ? entry.getKey() : key + "." + entry.getKey(), entry.getValue(), runDir, flat));
        } else if (value instanceof JsonArray array) {
            if (array.isEmpty()) {
                flat.put(key, "[]");
            }
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                items.add(array.getValue(i)); // getValue wraps nested maps and lists as JsonObject and JsonArray
            }
            if (PerRunValues.isUnorderedList(key)) {
                items.sort(Comparator.comparing(String::valueOf));
            }
            for (int i = 0; i < items.size(); i++) {
                flatten(key + "[" + i + "]", items.get(i), runDir, flat);
            }
        } else if (value instanceof String text) {
            flat.put(key, Json.encode(PerRunValues.normalize(key, text, runDir)));
        } else if (value instanceof Number number) {
            String text = numberText(number);
            String normalized = PerRunValues.normalize(key, text, runDir);
            // a number a rule replaced becomes a placeholder string; untouched ones stay JSON numbers
            flat.put(key, normalized.equals(text) ? text : Json.encode(normalized));
        } else {
            flat.put(key, Json.encode(value));
        }
    }

    /** Floats as Python printed them (1795660361.034669), not in Java's exponent form (1.795660361034669E9). */
    private static String numberText(Number number) {
        return number instanceof Double || number instanceof Float
                ? BigDecimal.valueOf(number.doubleValue()).toPlainString() : number.toString();
    }
}
