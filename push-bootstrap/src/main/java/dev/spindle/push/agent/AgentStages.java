package dev.spindle.push.agent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;

import dev.spindle.push.ssh.ShellWords;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Builds the two bootstrap stages of docs/protocol.md §5: the tiny stage 1 that goes on the
 * command line, and the compressed stage 2 (config + agent sources + prelude) that follows on
 * stdin. The Python agent builds the same stages for its become children (stage.py); a test
 * checks the two agree.
 */
public final class AgentStages {

    /**
     * Interpreters tried, in order, when the user gave none: plain {@code python3}, then the
     * names in the agent's copy of Ansible's discovery list ({@code PYTHONS} in
     * spindle_agent/calls.py) that name a version the agent runs on. That list is not this one:
     * it also holds interpreters only a module may run on (3.5, 2.7). AgentStagesTest holds the
     * two together.
     */
    public static final List<String> PYTHON_CANDIDATES = List.of("python3", "python3.13", "python3.12", "python3.11",
            "python3.10", "python3.9", "python3.8", "python3.7", "python3.6", "/usr/libexec/platform-python");

    /** Exit status of the discovery loop when no interpreter was found. */
    public static final int NO_PYTHON_STATUS = 127;

    private final AgentSources sources;

    public AgentStages(AgentSources sources) {
        this.sources = sources;
    }

    /** Stage 2 for an agent with this config: zlib-compressed Python source. */
    public byte[] stage2(AgentConfig config) {
        JsonObject modules = new JsonObject();
        for (Map.Entry<String, String> module : sources.modules().entrySet()) {
            boolean isPackage = module.getKey().equals(AgentSources.PACKAGE);
            // 0/1, not true/false: the line must read as JSON and as a Python literal
            modules.put(module.getKey(), new JsonArray().add(isPackage ? 1 : 0).add(module.getValue()));
        }
        String text = "CONFIG = " + config.toJson().encode() + "\n"
                + "SOURCES = " + modules.encode() + "\n"
                + sources.prelude();
        return compress(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The Python statement run by {@code python -c}: read exactly {@code length} bytes, exec them. */
    public static String stage1(int length) {
        return "import os,zlib;os.set_blocking(0,True);Z=b''\n"
                + "while len(Z)<" + length + ":Z+=os.read(0," + length + "-len(Z)) or os._exit(9)\n"
                + "exec(zlib.decompress(Z))";
    }

    /**
     * The remote command line, always through {@code /bin/sh -c} as Ansible runs a pipelined
     * module (so the login shell sets the same {@code $_} a module sees in ansible_env). With an
     * interpreter given it is exec'd as the user wrote it (it may be {@code /usr/bin/env
     * python3}); otherwise a POSIX shell loop tries the candidates.
     * The interpreter runs isolated ({@code -I}, in every Python the agent supports): nothing
     * from the environment or the user's site directory runs before the agent, which may be
     * handed a become password. Its one argument is the login shell's PATH, expanded once by
     * that shell: a wrapper between it and the interpreter (a pyenv shim) may change PATH, and
     * the agent puts the shell's back so that its commands find what Ansible's find (the
     * agent's stage.stage1_line builds the same line for become children).
     */
    public static String command(String python, int stage2Length) {
        String isolatedStage1 = "-I -c " + ShellWords.quote(stage1(stage2Length)) + " \"$PATH\"";
        if (python != null && !python.isBlank() && !python.startsWith("auto")) {
            return "/bin/sh -c " + ShellWords.quote("exec " + python + " " + isolatedStage1);
        }
        StringBuilder loop = new StringBuilder("for p in");
        PYTHON_CANDIDATES.forEach(p -> loop.append(' ').append(p));
        loop.append("; do command -v \"$p\" >/dev/null 2>&1 && exec \"$p\" ").append(isolatedStage1).append("; done; ")
                .append("echo 'spindle: no usable python found on the target (tried ")
                .append(String.join(" ", PYTHON_CANDIDATES)).append(")' >&2; exit ").append(NO_PYTHON_STATUS);
        return "/bin/sh -c " + ShellWords.quote(loop.toString());
    }

    private static byte[] compress(byte[] input) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(input);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(input.length / 3);
            byte[] chunk = new byte[16 * 1024];
            while (!deflater.finished()) {
                out.write(chunk, 0, deflater.deflate(chunk));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }
}
