package dev.spindle.push;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A become hop: run a child agent as {@code user} through {@code method} (sudo, su, doas),
 * spawned by the login agent on the target. The password, if any, is only ever sent to that
 * agent to answer the prompt.
 */
public record Become(String method, String user, Optional<String> password, Optional<String> exe, List<String> flags) {

    public static final Set<String> METHODS = Set.of("sudo", "su", "doas");

    public Become {
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("unsupported become method '" + method + "' (supported: sudo, su, doas)");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("become needs a user");
        }
        flags = List.copyOf(flags);
    }

    public static Become of(String method, String user, String password) {
        return new Become(method, user, Optional.ofNullable(password), Optional.empty(), List.of());
    }

    /**
     * One child per (method, user) and password: a request with another password must not
     * reuse a child that a right password opened, or a wrong password would "work" (vanilla
     * fails it). The password appears only as an HMAC under a key that lives in this process.
     */
    public String key() {
        return method + ":" + user + password.map(p -> ":" + PasswordTag.of(p)).orElse("");
    }

    @Override
    public String toString() {
        return method + " to " + user;
    }
}
