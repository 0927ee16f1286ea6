package dev.spindle.push.calls;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The keyword arguments of an {@link AgentCall}, read from its record components, so a call's
 * Java fields and its wire names can't disagree: each component becomes its snake_case name,
 * in declaration order. A {@code Buffer} component is the call's raw data, not an argument.
 */
final class Arguments {

    private record Argument(String wireName, RecordComponent component) {
    }

    private static final ClassValue<List<Argument>> ARGUMENTS = new ClassValue<>() {
        @Override
        protected List<Argument> computeValue(Class<?> type) {
            List<Argument> arguments = new ArrayList<>();
            for (RecordComponent component : type.getRecordComponents()) {
                if (component.getType() == Buffer.class) {
                    continue; // AgentCall.data(): sent raw, after the request
                }
                arguments.add(new Argument(wireName(component.getName()), component));
            }
            return List.copyOf(arguments);
        }
    };

    private Arguments() {
    }

    static JsonObject of(AgentCall call) {
        JsonObject kw = new JsonObject();
        for (Argument argument : ARGUMENTS.get(call.getClass())) {
            kw.put(argument.wireName(), json(value(argument.component(), call)));
        }
        return kw;
    }

    /** {@code stdinB64} to {@code stdin_b64}. */
    static String wireName(String javaName) {
        return javaName.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    private static Object value(RecordComponent component, AgentCall call) {
        try {
            return component.getAccessor().invoke(call);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + component + " of " + call.fn(), e);
        }
    }

    private static Object json(Object value) {
        if (value instanceof List<?> list) {
            return new JsonArray(new ArrayList<>(list));
        }
        if (value instanceof Map<?, ?> map) {
            JsonObject object = new JsonObject();
            map.forEach((key, item) -> object.put((String) key, item));
            return object;
        }
        return value;
    }
}
