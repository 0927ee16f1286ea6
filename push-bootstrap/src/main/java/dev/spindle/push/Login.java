package dev.spindle.push;

import java.util.Optional;

import dev.spindle.push.ssh.SshOptions;

/**
 * How the first agent of a host is reached: over one SSH login, or as a local child process.
 * {@code python} is the interpreter to run; empty means discover it on the target.
 */
public sealed interface Login {

    Optional<String> python();

    /** The account the login agent runs as. */
    String user();

    /** How logs and errors name the agent, e.g. {@code alice@db1}. */
    String displayName();

    /**
     * Unique per login agent, e.g. {@code ssh:alice@db1:22}; contexts are shared by this key.
     * A different interpreter is a different agent (the SSH session is still shared).
     */
    String key();

    /** The machine the agent runs on, e.g. {@code ssh:db1:22}, whichever account logs in there. */
    String machine();

    /** The same login with another interpreter (empty: discover one). */
    Login withPython(Optional<String> python);

    record Ssh(SshOptions options, Optional<String> python) implements Login {
        @Override
        public String user() {
            return options.user();
        }

        @Override
        public String displayName() {
            return options.user() + "@" + options.host();
        }

        @Override
        public String key() {
            return "ssh:" + options.loginKey() + python.map(p -> "?python=" + p).orElse("");
        }

        @Override
        public String machine() {
            return "ssh:" + options.host() + ":" + options.port();
        }

        @Override
        public Ssh withPython(Optional<String> python) {
            return new Ssh(options, python);
        }
    }

    record Local(Optional<String> python) implements Login {
        @Override
        public String user() {
            return System.getProperty("user.name");
        }

        @Override
        public String displayName() {
            return "local";
        }

        @Override
        public String key() {
            return "local:" + user() + python.map(p -> "?python=" + p).orElse("");
        }

        @Override
        public String machine() {
            return "local";
        }

        @Override
        public Local withPython(Optional<String> python) {
            return new Local(python);
        }
    }
}
