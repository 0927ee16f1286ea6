package dev.spindle.controller;

import java.util.Map;

/**
 * How much a controller takes on at once, each limit a setting (an environment variable of
 * the daemon) so a big fleet can raise it:
 *
 * @param connectingAtOnce   SSH logins (and exec channel opens) in progress at the same time;
 *                           the rest wait their turn in order. A login that hangs holds one
 *                           place for at most its connect timeout, so one slow host never
 *                           delays the others. {@code SPINDLE_CONNECTING_AT_ONCE}, default 64.
 * @param contexts           agents (login agents and become children) alive or starting, over
 *                           all hosts. {@code SPINDLE_MAX_CONTEXTS}, default 4096.
 * @param contextsPerHost    the same on one host (SSH host and port): each is a process there.
 *                           {@code SPINDLE_MAX_CONTEXTS_PER_HOST}, default 64.
 */
public record ControllerLimits(int connectingAtOnce, int contexts, int contextsPerHost) {

    public static final String CONNECTING_AT_ONCE = "SPINDLE_CONNECTING_AT_ONCE";
    public static final String MAX_CONTEXTS = "SPINDLE_MAX_CONTEXTS";
    public static final String MAX_CONTEXTS_PER_HOST = "SPINDLE_MAX_CONTEXTS_PER_HOST";

    public ControllerLimits {
        positive(CONNECTING_AT_ONCE, connectingAtOnce);
        positive(MAX_CONTEXTS, contexts);
        positive(MAX_CONTEXTS_PER_HOST, contextsPerHost);
    }

    public static ControllerLimits defaults() {
        return new ControllerLimits(64, 4096, 64);
    }

    /** The defaults, with whatever of the three variables {@code env} sets. */
    public static ControllerLimits fromEnvironment(Map<String, String> env) {
        ControllerLimits d = defaults();
        return new ControllerLimits(number(env, CONNECTING_AT_ONCE, d.connectingAtOnce()),
                number(env, MAX_CONTEXTS, d.contexts()), number(env, MAX_CONTEXTS_PER_HOST, d.contextsPerHost()));
    }

    public ControllerLimits withConnectingAtOnce(int value) {
        return new ControllerLimits(value, contexts, contextsPerHost);
    }

    public ControllerLimits withContexts(int total, int perHost) {
        return new ControllerLimits(connectingAtOnce, total, perHost);
    }

    private static int number(Map<String, String> env, String name, int fallback) {
        String text = env.get(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + text + "'");
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, not " + value);
        }
    }
}
