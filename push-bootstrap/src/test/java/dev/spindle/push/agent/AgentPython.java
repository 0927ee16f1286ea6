package dev.spindle.push.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.vertx.core.json.Json;

/**
 * Asks the Python agent's own sources (src/main/python, on the build machine's python3) what
 * they hold, so tests can compare it with the Java side instead of with a copy.
 */
public final class AgentPython {

    public static final Path SOURCES = Path.of("src/main/python").toAbsolutePath(); // tests run in push-bootstrap/

    private AgentPython() {
    }

    /** Runs {@code script} with the agent importable; what it prints is read as JSON. */
    public static Object json(String script) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("python3", "-c", script).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("PYTHONPATH", SOURCES.toString());
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "python3 failed (its stderr is above): " + script);
        return Json.decodeValue(out);
    }
}
