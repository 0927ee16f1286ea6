package dev.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

/**
 * The product (this module and every module its jar carries) holds nothing that creates
 * accounts or weakens an sshd: those belong to the test kit. The build bans the testkit
 * artifact itself (maven-enforcer in this module's pom); this catches a fixture written into
 * a product module, which is how the first wave shipped one.
 */
class NoTestFixturesInTheProductTest {

    /** What only a test fixture has reason to contain. */
    private static final List<String> FIXTURE_MARKS = List.of("useradd", "chpasswd", "PermitRootLogin", "StrictModes", "/etc/sudoers.d");

    @Test
    void productClassesCreateNoAccountsAndWeakenNoSshd() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path entry : productClassPath()) {
            if (Files.isDirectory(entry)) {
                try (Stream<Path> files = Files.walk(entry)) {
                    for (Path file : files.filter(Files::isRegularFile).toList()) {
                        check(entry.relativize(file).toString(), Files.readAllBytes(file), found);
                    }
                }
            } else {
                try (ZipFile jar = new ZipFile(entry.toFile())) {
                    for (ZipEntry file : Collections.list(jar.entries())) {
                        try (InputStream in = jar.getInputStream(file)) {
                            check(entry.getFileName() + "!" + file.getName(), in.readAllBytes(), found);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }

    private static void check(String name, byte[] content, List<String> found) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        FIXTURE_MARKS.stream().filter(text::contains).forEach(mark -> found.add(name + " contains '" + mark + "'"));
    }

    /**
     * The reactor's own modules on this test's class path, this one included: their
     * target/classes directories, or their jars once the build has packaged them.
     */
    private static List<Path> productClassPath() {
        List<Path> entries = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .filter(path -> path.endsWith(Path.of("target", "classes"))
                        || path.getParent() != null && path.getParent().endsWith("target")
                        && path.getFileName().toString().startsWith("spindle-"))
                .toList();
        if (entries.size() < 5) { // cli, ansible-bridge, controller, push-bootstrap, bus
            throw new IllegalStateException("run this in the reactor build (mvn verify), where the product modules are "
                    + "build outputs; the class path had " + entries);
        }
        return entries;
    }
}
