package dev.spindle.push.calls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.spindle.push.agent.AgentPython;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;

/** The agent's error types (spindle_agent/errors.py) are the ones docs/protocol.md §4 lists, and the controller's come from them. */
class AgentErrorsTest {

    private static final Pattern ROW = Pattern.compile("(?m)^\\| `(spindle\\.\\w+)` \\|");

    @Test
    void theAgentRaisesExactlyTheDocumentedTypes() throws Exception {
        assertEquals(documented(), raisedByTheAgent());
    }

    @Test
    void everyTypeTheControllerTellsApartIsOneTheAgentRaises() throws Exception {
        Set<String> agent = raisedByTheAgent();
        for (Field field : AgentErrors.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                String type = (String) field.get(null);
                assertTrue(agent.contains(type), field.getName() + " = " + type + " is not an error the agent raises: " + agent);
            }
        }
    }

    private static Set<String> raisedByTheAgent() throws Exception {
        JsonArray types = (JsonArray) AgentPython.json("""
                import json
                from spindle_agent import errors
                print(json.dumps([errors.wire_type(cls()) for cls in errors.SpindleError.__subclasses__()]))""");
        return types.stream().map(String.class::cast).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> documented() {
        return ROW.matcher(ProtocolDoc.section(4)).results().map(m -> m.group(1))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
