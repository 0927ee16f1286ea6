package dev.spindle.bus.source;

import java.util.regex.Pattern;

/** What a Python module name requested by a target may look like: dotted identifiers, nothing else. */
final class ModuleName {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern DOTTED = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

    private ModuleName() {
    }

    static boolean isIdentifier(String name) {
        return IDENTIFIER.matcher(name).matches();
    }

    /** True for {@code a.b.c}; false for anything holding {@code /}, {@code ..}, spaces or an empty part. */
    static boolean isDotted(String name) {
        return DOTTED.matcher(name).matches();
    }
}
