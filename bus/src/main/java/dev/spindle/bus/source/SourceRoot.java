package dev.spindle.bus.source;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One allow-listed top-level Python package the controller may serve to agents.
 *
 * @param rootPackage the package's name, a single identifier such as {@code "ansible"}
 * @param directory   the package's directory (the one holding its {@code __init__.py})
 */
public record SourceRoot(String rootPackage, Path directory) {

    public SourceRoot {
        Objects.requireNonNull(rootPackage, "rootPackage");
        Objects.requireNonNull(directory, "directory");
        if (!ModuleName.isIdentifier(rootPackage)) {
            throw new IllegalArgumentException("root package must be one Python identifier: " + rootPackage);
        }
    }
}
