package dev.spindle.push.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DeflaterOutputStream;

import dev.spindle.push.ssh.ShellWords;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java-built stages agree with the Python twin (stage.py) and the agent's interpreter list, and behave on a real shell. */
class AgentStagesTest {

    private static String run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        return runWithStdin(env, new byte[0], command);
    }

    private static String runWithStdin(Map<String, String> env, byte[] stdin, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() + ":" + out;
    }

    private static byte[] deflate(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var out = new DeflaterOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    @Test
    void stage1IsByteForByteThePythonOne() throws Exception {
        String python = run(Map.of("PYTHONPATH", AgentPython.SOURCES.toString()), "python3", "-c",
                "import sys; from spindle_agent.stage import stage1_script; sys.stdout.write(stage1_script(4321))");
        assertEquals("0:" + AgentStages.stage1(4321), python);
    }

    @Test
    void stage2ReadsAsPythonLiterals() throws Exception {
        byte[] stage2 = new AgentStages(AgentSources.bundled())
                .stage2(new AgentConfig(1000, 0, "tést@host", AgentConfig.INFO, List.of("ansible")));
        String check = "import sys,zlib,ast; t=zlib.decompress(sys.stdin.buffer.read()).decode();"
                + "lines=t.split('\\n',2); c=ast.literal_eval(lines[0][9:]); s=ast.literal_eval(lines[1][10:]);"
                + "print(c['name'], c['context_id'], s['spindle_agent'][0], s['spindle_agent.boot'][0])";
        Process p = new ProcessBuilder("python3", "-c", check).start();
        p.getOutputStream().write(stage2);
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals("tést@host 1000 1 0", out, new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void shippedSourcesStillCompileAndFitTheBudget() throws Exception {
        AgentSources sources = AgentSources.bundled();
        for (var module : sources.modules().entrySet()) {
            Process p = new ProcessBuilder("python3", "-c", "import sys; compile(sys.stdin.read(), sys.argv[1], 'exec')", module.getKey())
                    .redirectErrorStream(true).start();
            p.getOutputStream().write(module.getValue().getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), module.getKey() + ": " + out);
        }
        int size = new AgentStages(sources).stage2(new AgentConfig(1000, 0, "x@y", AgentConfig.INFO, List.of())).length;
        assertTrue(size < 30 * 1024, "stage 2 is " + size + " bytes");
    }

    @Test
    void discoveryTriesPython3ThenTheAgentRunnableNamesOfAnsiblesList() throws Exception {
        List<String> ansibleOrder = ((JsonArray) AgentPython.json(
                "import json; from spindle_agent.calls import PYTHONS; print(json.dumps(PYTHONS))")).stream()
                .map(String.class::cast).toList();
        List<String> expected = new ArrayList<>(List.of("python3"));
        ansibleOrder.stream().filter(AgentStagesTest::namesAVersionTheAgentRunsOn).forEach(expected::add);

        assertEquals(expected, AgentStages.PYTHON_CANDIDATES);
    }

    /** python3.N for the agent's 3.6 and later, and RHEL 8's platform-python (a 3.6). */
    private static boolean namesAVersionTheAgentRunsOn(String interpreter) {
        Matcher minor = Pattern.compile("python3\\.(\\d+)").matcher(interpreter);
        return minor.matches() ? Integer.parseInt(minor.group(1)) >= 6 : interpreter.equals("/usr/libexec/platform-python");
    }

    /** Held to the line the agent builds for its become children (stage.stage1_line). */
    @Test
    void commandIsThePythonStage1Line() throws Exception {
        String python = run(Map.of("PYTHONPATH", AgentPython.SOURCES.toString()), "python3", "-c",
                "import sys; from spindle_agent.stage import stage1_line; sys.stdout.write(stage1_line(4321, 'python3'))");
        assertEquals("0:" + AgentStages.command("python3", 4321), "0:/bin/sh -c " + ShellWords.quote(python.substring(2)));
    }

    /**
     * A version manager's shim (pyenv's) changes PATH before it execs the interpreter: stage 1
     * gets the login shell's PATH as its argument, for the agent to put back.
     */
    @Test
    void stage1GetsTheLoginShellsPathThroughAShim(@TempDir Path shims) throws Exception {
        Path shim = shims.resolve("python3");
        Files.writeString(shim, "#!/bin/sh\nPATH=/fake-shim/versions/bin:$PATH\nexport PATH\nexec /usr/bin/python3 \"$@\"\n");
        Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
        String loginPath = shims + ":/usr/bin:/bin";
        byte[] stage2 = deflate("import os,sys;sys.stdout.write(repr([sys.argv[1:],os.environ['PATH']]))");
        for (String python : new String[] {null, "python3", "/usr/bin/env python3"}) {
            String result = runWithStdin(Map.of("PATH", loginPath), stage2, "/bin/sh", "-c", AgentStages.command(python, stage2.length));
            assertEquals("0:[['" + loginPath + "'], '/fake-shim/versions/bin:" + loginPath + "']", result, String.valueOf(python));
        }
    }

    @Test
    void discoveryWithoutPythonSaysSoAndExits127() throws Exception {
        String result = run(Map.of("PATH", "/nonexistent"), "/bin/sh", "-c", AgentStages.command(null, 10));
        assertTrue(result.startsWith(AgentStages.NO_PYTHON_STATUS + ":"), result);
        assertTrue(result.contains("no usable python found"), result);
    }

    @Test
    void explicitInterpreterIsUsedAsGiven() {
        assertTrue(AgentStages.command("/usr/bin/env python3", 5).startsWith("/bin/sh -c 'exec /usr/bin/env python3 -I -c "));
    }

    /** A stage 1 fed no stage 2 exits 9; code planted on PYTHONPATH must not have run first. */
    @Test
    void discoveredAndGivenInterpretersRunNoCodeFromTheEnvironment(@TempDir Path planted) throws Exception {
        Files.writeString(planted.resolve("sitecustomize.py"), "import sys; sys.stderr.write('planted code ran')\n");
        Map<String, String> env = Map.of("PYTHONPATH", planted.toString());
        assertEquals("0:planted code ran", run(env, "python3", "-c", "pass"), "the planted code works when not isolated");
        for (String python : new String[] {null, "python3", "/usr/bin/env python3"}) {
            assertEquals("9:", run(env, "/bin/sh", "-c", AgentStages.command(python, 10) + " </dev/null"), String.valueOf(python));
        }
    }
}
