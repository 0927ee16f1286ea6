package dev.spindle.bus.source;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers an agent's GET_SOURCE request with the source of one module under an allow-listed root.
 *
 * <p>A request can only name a module, never a path: the name must be dotted identifiers, its
 * first part an allow-listed root, and the file it resolves to must still lie inside that root
 * after every symlink is followed. Anything else is refused with {@code found: false} and a
 * {@link Answer#problem() problem} for the caller to log, so a target cannot make the controller read
 * a file it was not asked for. The caller logs it because it knows which stream asked, and so
 * whose log budget the line comes out of.
 *
 * <p>{@link #lookup} reads files: call it on a worker thread, never on an event loop. Thread-safe.
 */
public final class SourceService {

    /** Longer names are refused unread: no Python module name needs more. */
    static final int MAX_NAME = 512;

    private final Map<String, Path> roots = new LinkedHashMap<>();

    public SourceService(List<SourceRoot> roots) {
        for (SourceRoot root : roots) {
            if (this.roots.putIfAbsent(root.rootPackage(), root.directory()) != null) {
                throw new IllegalArgumentException("root package listed twice: " + root.rootPackage());
            }
        }
    }

    /**
     * What to send back, and why a request was refused or could not be served (null when it was
     * answered: found, or simply not there).
     */
    public record Answer(JsonObject payload, String problem) {
    }

    /** A service with no roots: every request is refused. */
    public static SourceService none() {
        return new SourceService(List.of());
    }

    /**
     * Answers {@code {"fullname": "a.b.c"}} with {@code {"fullname", "found": true, "is_pkg", "source"}}
     * or {@code {"fullname", "found": false}}. Blocks on file I/O.
     */
    public Answer lookup(JsonObject request) {
        Object requested = request.getValue("fullname");
        if (!(requested instanceof String fullname) || fullname.length() > MAX_NAME || !ModuleName.isDotted(fullname)) {
            return refuse(requested, "it is not a dotted module name");
        }
        String[] parts = fullname.split("\\.");
        Path rootDir = roots.get(parts[0]);
        if (rootDir == null) {
            return refuse(fullname, "it is not under an allow-listed root " + roots.keySet());
        }
        try {
            return find(fullname, rootDir.toRealPath(), Arrays.copyOfRange(parts, 1, parts.length));
        } catch (IOException e) {
            return new Answer(notFound(fullname), "cannot serve source of " + fullname + ": " + e);
        }
    }

    /** Tries {@code rest/__init__.py} then {@code rest.py}, the order Python's FileFinder uses. */
    private Answer find(String fullname, Path realRoot, String[] rest) throws IOException {
        Path base = realRoot;
        for (String part : rest) {
            base = base.resolve(part);
        }
        Path packageInit = base.resolve("__init__.py");
        if (Files.isRegularFile(packageInit)) {
            return serve(fullname, realRoot, packageInit, true);
        }
        if (rest.length == 0) {
            return new Answer(notFound(fullname), null); // a root is a package or nothing
        }
        Path module = base.resolveSibling(rest[rest.length - 1] + ".py");
        if (Files.isRegularFile(module)) {
            return serve(fullname, realRoot, module, false);
        }
        return new Answer(notFound(fullname), null);
    }

    private Answer serve(String fullname, Path realRoot, Path file, boolean isPackage)
            throws IOException {
        Path real = file.toRealPath();
        if (!real.startsWith(realRoot)) {
            return refuse(fullname, "it resolves to " + real + ", outside its root " + realRoot);
        }
        String source;
        try {
            source = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(real)))
                    .toString();
        } catch (CharacterCodingException e) {
            return refuse(fullname, real + " is not UTF-8");
        }
        return new Answer(new JsonObject().put("fullname", fullname).put("found", true).put("is_pkg", isPackage)
                .put("source", source), null);
    }

    private static Answer refuse(Object requested, String why) {
        // the name comes from the target: quote it, and cut it so it cannot fill the log (the
        // caller escapes what the log gets); echo it back only when it is a name we could have served
        String shown = Json.encode(requested);
        String problem = "refused source request for " + (shown.length() <= MAX_NAME ? shown : shown.substring(0, MAX_NAME) + "...")
                + ": " + why;
        boolean echoable = requested instanceof String name && name.length() <= MAX_NAME && ModuleName.isDotted(name);
        return new Answer(notFound(echoable ? (String) requested : null), problem);
    }

    private static JsonObject notFound(String fullname) {
        return new JsonObject().put("fullname", fullname).put("found", false);
    }
}
