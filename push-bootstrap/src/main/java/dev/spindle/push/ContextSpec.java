package dev.spindle.push;

import java.util.Optional;

/** Names one agent: a login, optionally followed by one become hop. */
public record ContextSpec(Login login, Optional<Become> become) {

    public static ContextSpec of(Login login) {
        return new ContextSpec(login, Optional.empty());
    }

    public ContextSpec loginOnly() {
        return of(login);
    }

    /** The account this context's commands run as: the become user, else the login's. */
    public String user() {
        return become.map(Become::user).orElseGet(login::user);
    }

    public String key() {
        return login.key() + become.map(b -> "/" + b.key()).orElse("");
    }
}
