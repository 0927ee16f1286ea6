package dev.spindle.push.calls;

import java.util.List;
import java.util.Map;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One call the agent serves (docs/protocol.md §4), one record per function: {@link #fn()} is
 * the function's name and each record component one keyword argument, named on the wire in
 * snake_case ({@code stdinB64} is {@code stdin_b64}). Every argument is sent, a null one as
 * JSON null, which the agent reads as "not given" (its optional parameters default to None).
 * AgentCallTest holds these records, the table in docs/protocol.md and the agent's FUNCTIONS
 * (spindle_agent/calls.py) to the same names and arguments. A call that carries bytes has them
 * in a {@code Buffer data} component, which is not an argument: they travel raw, after the JSON
 * request (docs/protocol.md §3, "Calls that carry bytes").
 */
public sealed interface AgentCall {

    /** The agent function's name, the {@code fn} of the CALL payload. */
    String fn();

    /** The {@code kw} of the CALL payload. */
    default JsonObject kw() {
        return Arguments.of(this);
    }

    /** The bytes the call carries raw, after its JSON request; null for a plain JSON call. */
    default Buffer data() {
        return null;
    }

    /** The agent's pid: the cheapest round trip. */
    record Ping() implements AgentCall {
        @Override public String fn() { return "ping"; }
    }

    /** Who and where the agent is: pid, Python version and executable, uids, user, home, cwd. */
    record Info() implements AgentCall {
        @Override public String fn() { return "info"; }
    }

    /** The agent's pid, RSS, calls in flight, become children and fork server. */
    record Stats() implements AgentCall {
        @Override public String fn() { return "stats"; }
    }

    /** Answers, then the agent exits. */
    record Shutdown() implements AgentCall {
        @Override public String fn() { return "shutdown"; }
    }

    /** The interpreters Ansible's discovery would find on the target, with platform and os-release. */
    record Interpreters() implements AgentCall {
        @Override public String fn() { return "interpreters"; }
    }

    /** Imports a module through the agent's importer (tests). */
    record ImportCheck(String fullname) implements AgentCall {
        @Override public String fn() { return "import_check"; }
    }

    /**
     * A fresh process: {@code argv}, or {@code shell} run by {@code /bin/sh -c} (exactly one);
     * stdin as text or base64, env merged into the agent's, timeout in seconds.
     */
    record Exec(List<String> argv, String shell, String stdin, String stdinB64, Map<String, String> env, String cwd,
                Integer timeout) implements AgentCall {
        @Override public String fn() { return "exec"; }

        public static Exec of(List<String> argv) {
            return new Exec(argv, null, null, null, null, null, null);
        }
    }

    /** A command line run the way sshd runs it: {@code [login shell, "-c", cmd]}; {@code pty} merges output like ssh -tt. */
    record RunCommand(String cmd, String stdinB64, boolean pty, String cwd, Integer timeout) implements AgentCall {
        @Override public String fn() { return "run_command"; }
    }

    /**
     * An AnsiballZ module run from the zip in the agent's RAM; {@code zipB64} is null when the
     * agent already holds the zip named by {@code zipSha1}. {@code wrapper} is what the payload's
     * wrapper does around the module (rlimit, coverage, the loader it runs it through), as the
     * plugin read it; null for none of it. {@code isolation} "none" runs it in the fork server's
     * long-lived inline runner instead of a fresh forked process; null or "process" forks.
     */
    record RunModule(String zipSha1, String zipB64, String fqn, String name, String params, JsonObject env, String cwd,
                     Integer timeout, JsonObject wrapper, String isolation) implements AgentCall {
        @Override public String fn() { return "run_module"; }
    }

    /**
     * A become child with this context id; {@code python} null runs the agent's own
     * interpreter, {@code timeout} is in seconds.
     */
    record SpawnChild(long contextId, String method, String user, String password, String exe, List<String> flags,
                      String python, long timeout) implements AgentCall {
        @Override public String fn() { return "spawn_child"; }
    }

    /**
     * Ends the become child {@code contextId} if no request waits for it; the reply
     * ({@code {"stopped": bool}}) comes once its process is gone.
     */
    record StopChild(long contextId) implements AgentCall {
        @Override public String fn() { return "stop_child"; }
    }

    /** A whole small file in one call; {@code mode} null keeps the default permissions. */
    record PutSmall(String dest, Integer mode, Buffer data) implements AgentCall {
        @Override public String fn() { return "put_small"; }
    }

    /** Starts a chunked upload; the reply names the transfer. */
    record PutOpen(String dest, long size, Integer mode) implements AgentCall {
        @Override public String fn() { return "put_open"; }
    }

    /** Bytes of an upload, written at {@code offset}; chunks may arrive in any order. */
    record PutChunk(String transfer, long offset, Buffer data) implements AgentCall {
        @Override public String fn() { return "put_chunk"; }
    }

    /** Verifies size and sha1 (if given) and renames the file into place. */
    record PutClose(String transfer, String sha1) implements AgentCall {
        @Override public String fn() { return "put_close"; }
    }

    record PutAbort(String transfer) implements AgentCall {
        @Override public String fn() { return "put_abort"; }
    }

    /** The whole file as streamed RAW items of {@code chunkSize} bytes (null: the agent's default); a streamed call. */
    record FetchStream(String src, Integer chunkSize) implements AgentCall {
        @Override public String fn() { return "fetch_stream"; }
    }
}
