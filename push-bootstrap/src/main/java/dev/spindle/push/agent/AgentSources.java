package dev.spindle.push.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The Python agent's source files, read once from the class path (they ship inside the
 * push-bootstrap jar, next to this class, without comments and docstrings: see
 * src/build/strip_agent.py) and kept in RAM: module name to source text.
 */
public final class AgentSources {

    static final String PACKAGE = "spindle_agent";
    static final String PRELUDE_MODULE = PACKAGE + ".boot";

    private final Map<String, String> modules;

    private AgentSources(Map<String, String> modules) {
        this.modules = Collections.unmodifiableMap(modules);
    }

    private static final class Holder {
        static final AgentSources INSTANCE = load();
    }

    /** The agent this build ships. */
    public static AgentSources bundled() {
        return Holder.INSTANCE;
    }

    /** Module name ({@code spindle_agent.framing}, {@code spindle_agent} for the package) to source. */
    public Map<String, String> modules() {
        return modules;
    }

    public String prelude() {
        String boot = modules.get(PRELUDE_MODULE);
        if (boot == null) {
            throw new IllegalStateException("the agent bundle has no " + PRELUDE_MODULE);
        }
        return boot;
    }

    private static AgentSources load() {
        URL marker = AgentSources.class.getClassLoader().getResource(PACKAGE + "/__init__.py");
        if (marker == null) {
            throw new IllegalStateException(PACKAGE + "/__init__.py is not on the class path: the jar was built without the agent");
        }
        Map<String, String> modules = new TreeMap<>();
        try {
            for (String file : listPackageFiles(marker)) {
                String base = file.substring(0, file.length() - ".py".length());
                String name = base.equals("__init__") ? PACKAGE : PACKAGE + "." + base;
                modules.put(name, read(PACKAGE + "/" + file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent sources", e);
        }
        return new AgentSources(modules);
    }

    private static List<String> listPackageFiles(URL marker) throws IOException {
        List<String> files = new ArrayList<>();
        if (marker.getProtocol().equals("jar")) {
            JarURLConnection connection = (JarURLConnection) marker.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
                jar.stream().map(e -> e.getName())
                        .filter(n -> n.startsWith(PACKAGE + "/") && n.endsWith(".py") && n.indexOf('/', PACKAGE.length() + 1) < 0)
                        .forEach(n -> files.add(n.substring(PACKAGE.length() + 1)));
            }
        } else {
            Path dir;
            try {
                dir = Path.of(marker.toURI()).getParent();
            } catch (URISyntaxException e) {
                throw new IOException("bad agent location " + marker, e);
            }
            try (Stream<Path> listing = Files.list(dir)) {
                listing.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".py")).forEach(files::add);
            }
        }
        return files;
    }

    private static String read(String resource) throws IOException {
        try (InputStream in = AgentSources.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing agent resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
