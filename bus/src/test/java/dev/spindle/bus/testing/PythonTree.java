package dev.spindle.bus.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small Python source tree with the traps a hostile target would aim at:
 * <pre>
 * lib/ansible/__init__.py, module_utils/{__init__,basic}.py, both.py and both/__init__.py,
 *             alias.py -> module_utils/basic.py (inside), latin1.py (not UTF-8),
 *             leak.py -> ../../secret.py (outside), outside -> ../../outside_pkg (outside)
 * secret.py, outside_pkg/{__init__,mod}.py
 * </pre>
 */
public final class PythonTree {

    public final Path root;
    public final Path ansible;

    public PythonTree(Path tempDir) {
        root = tempDir;
        ansible = tempDir.resolve("lib/ansible");
        try {
            write("lib/ansible/__init__.py", "# ansible\n");
            write("lib/ansible/module_utils/__init__.py", "");
            write("lib/ansible/module_utils/basic.py", "def main(): pass\n");
            write("lib/ansible/both.py", "# module\n");
            write("lib/ansible/both/__init__.py", "# package\n");
            Files.write(ansible.resolve("latin1.py"), "caf\u00e9 = 1\n".getBytes(StandardCharsets.ISO_8859_1));
            write("secret.py", "SECRET = 'controller private key'\n");
            write("outside_pkg/__init__.py", "OUTSIDE = 1\n");
            write("outside_pkg/mod.py", "OUTSIDE = 2\n");
            Files.createSymbolicLink(ansible.resolve("alias.py"), Path.of("module_utils/basic.py"));
            Files.createSymbolicLink(ansible.resolve("leak.py"), Path.of("../../secret.py"));
            Files.createSymbolicLink(ansible.resolve("outside"), Path.of("../../outside_pkg"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String relative, String text) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
