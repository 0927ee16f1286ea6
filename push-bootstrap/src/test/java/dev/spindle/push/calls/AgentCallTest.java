package dev.spindle.push.calls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.spindle.push.agent.AgentPython;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The calls the controller can make are the calls the agent serves and the doc lists: the
 * {@link AgentCall} records, the table in docs/protocol.md §4 and the agent's FUNCTIONS
 * name the same functions with the same arguments.
 */
class AgentCallTest {

    /** A row of the §4 table: {@code | `fn` | kw | result |}; cells split on unescaped bars. */
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `\\w+`.*$");
    private static final Pattern CELL_SEPARATOR = Pattern.compile("(?<!\\\\)\\|");
    private static final Pattern NAME = Pattern.compile("`(\\w+)`");
    /** A quoted word that is not a value: values follow a colon ({@code "shell": "cmd"}) or a bar ({@code "su"\|"doas"}). */
    private static final Pattern KEY = Pattern.compile("(?<!: )(?<!\\|)\"(\\w+)\"");

    @Test
    void recordsMatchTheDocTable() {
        assertEquals(documented(), records());
    }

    @Test
    void recordsMatchWhatTheAgentServes() throws Exception {
        JsonObject served = (JsonObject) AgentPython.json("""
                import inspect, json
                from spindle_agent.calls import FUNCTIONS
                print(json.dumps(dict((name, [p for p in inspect.signature(f).parameters if p != "call"])
                                      for name, f in FUNCTIONS.items())))""");
        Map<String, Set<String>> agent = new TreeMap<>();
        served.forEach(entry -> agent.put(entry.getKey(), strings((JsonArray) entry.getValue())));

        assertEquals(agent, records());
    }

    @Test
    void everyArgumentGoesOnTheWireNullIfNotGiven() {
        assertEquals("{\"cmd\":\"id\",\"stdin_b64\":null,\"pty\":true,\"cwd\":null,\"timeout\":10}",
                new AgentCall.RunCommand("id", null, true, null, 10).kw().encode());
        assertEquals("{\"context_id\":4294967295,\"method\":\"sudo\",\"user\":\"root\",\"password\":null,\"exe\":null,"
                        + "\"flags\":[\"-H\",\"-S\"],\"python\":\"python3\",\"timeout\":30}",
                new AgentCall.SpawnChild(4294967295L, "sudo", "root", null, null, List.of("-H", "-S"), "python3", 30).kw().encode());
        assertEquals("{\"argv\":[\"echo\",\"hi\"],\"shell\":null,\"stdin\":null,\"stdin_b64\":null,\"env\":{\"A\":\"1\"},"
                        + "\"cwd\":null,\"timeout\":null}",
                new AgentCall.Exec(List.of("echo", "hi"), null, null, null, Map.of("A", "1"), null, null).kw().encode());
        assertEquals("{}", new AgentCall.Ping().kw().encode());
    }

    @Test
    void bytesAreTheCallsDataNotAnArgument() {
        AgentCall chunk = new AgentCall.PutChunk("t1", 131072, Buffer.buffer("raw"));

        assertEquals("{\"transfer\":\"t1\",\"offset\":131072}", chunk.kw().encode());
        assertEquals(Buffer.buffer("raw"), chunk.data());
        assertNull(new AgentCall.Ping().data());
    }

    /** Function name to argument names, from what each record puts on the wire. */
    private static Map<String, Set<String>> records() {
        Map<String, Set<String>> calls = new TreeMap<>();
        for (Class<?> type : AgentCall.class.getPermittedSubclasses()) {
            AgentCall call = blank(type);
            calls.put(call.fn(), new TreeSet<>(call.kw().fieldNames()));
        }
        return calls;
    }

    /** Function name to argument names, from the §4 table (a row may list several, separated by " / "). */
    private static Map<String, Set<String>> documented() {
        Map<String, Set<String>> calls = new TreeMap<>();
        Matcher row = ROW.matcher(ProtocolDoc.section(4));
        while (row.find()) {
            String[] cells = CELL_SEPARATOR.split(row.group());
            List<String> names = NAME.matcher(cells[1]).results().map(m -> m.group(1)).toList();
            String[] arguments = names.size() == 1 ? new String[] {cells[2]} : cells[2].split("` / `");
            assertEquals(names.size(), arguments.length, "one kw per function in " + row.group());
            for (int i = 0; i < names.size(); i++) {
                calls.put(names.get(i), KEY.matcher(arguments[i]).results().map(m -> m.group(1))
                        .collect(TreeSet::new, Set::add, Set::addAll));
            }
        }
        return calls;
    }

    /** An instance with every argument zero or null, to ask it its name. */
    private static AgentCall blank(Class<?> type) {
        Class<?>[] types = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getType).toArray(Class<?>[]::new);
        Object[] values = Arrays.stream(types).map(AgentCallTest::zero).toArray();
        try {
            return (AgentCall) type.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot make a " + type.getSimpleName(), e);
        }
    }

    private static Object zero(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        return type == long.class ? 0L : null;
    }

    private static Set<String> strings(JsonArray array) {
        return array.stream().map(String.class::cast).collect(TreeSet::new, Set::add, Set::addAll);
    }
}
