package dev.spindle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One ansible-core the harnesses run: the installed one (ansible-playbook on the PATH), or a
 * tree put first on PYTHONPATH and run with its own ansible-playbook script under the system's
 * Python (which has ansible-core's dependencies). A tree is given as
 * <ul>
 *   <li>an ansible/ansible checkout's {@code lib} (scripts in {@code ../bin}),</li>
 *   <li>an unpacked Debian package's root, e.g. ~/.cache/spindle/ansible-core-trixie/tree as
 *       scripts/fetch-ansible-core.sh unpacks it (scripts in {@code usr/bin}), or its
 *       {@code usr/lib/python3/dist-packages}.</li>
 * </ul>
 */
public record AnsibleCore(Optional<Path> pythonPath, Optional<Path> scripts) {

    /** Runs the tree's scripts: theirs may say {@code #!/usr/bin/env python}, which would find pyenv's. */
    private static final String SYSTEM_PYTHON = "/usr/bin/python3";
    private static final Path DEBIAN_PACKAGES = Path.of("usr/lib/python3/dist-packages");
    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(60);

    public static AnsibleCore installed() {
        return new AnsibleCore(Optional.empty(), Optional.empty());
    }

    /** The tree at {@code dir} (see the class comment); IllegalArgumentException says why {@code dir} is not one. */
    public static AnsibleCore at(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        if (hasAnsible(root.resolve(DEBIAN_PACKAGES))) {
            return new AnsibleCore(Optional.of(root.resolve(DEBIAN_PACKAGES)), Optional.of(root.resolve("usr/bin")));
        }
        if (hasAnsible(root) && root.endsWith(DEBIAN_PACKAGES)) {
            Path debRoot = root.getParent().getParent().getParent().getParent();
            return new AnsibleCore(Optional.of(root), Optional.of(debRoot.resolve("usr/bin")));
        }
        if (hasAnsible(root) && Files.isRegularFile(root.resolveSibling("bin").resolve("ansible-playbook"))) {
            return new AnsibleCore(Optional.of(root), Optional.of(root.resolveSibling("bin")));
        }
        throw new IllegalArgumentException("no ansible-core in " + dir + ": give an ansible/ansible checkout's lib"
                + " directory or an unpacked ansible-core .deb (the folder holding usr/lib/python3/dist-packages/ansible)");
    }

    private static boolean hasAnsible(Path pythonPath) {
        return Files.isRegularFile(pythonPath.resolve("ansible/release.py"));
    }

    /** What Ansible's commands need in their environment to run this release. */
    public Map<String, String> environment() {
        return pythonPath.map(path -> Map.of("PYTHONPATH", path.toString())).orElse(Map.of());
    }

    /** The argv that runs Ansible's {@code name} command (ansible, ansible-playbook) of this release. */
    public List<String> command(String name) {
        return scripts.map(dir -> List.of(SYSTEM_PYTHON, dir.resolve(name).toString())).orElse(List.of(name));
    }

    /** "2.14.18", from {@code ansible --version} of this release ("ansible [core 2.14.18]"). */
    public String version() throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(command("ansible"));
        argv.add("--version");
        BoundedCommand.Result result = BoundedCommand.run(argv, "", VERSION_TIMEOUT, environment());
        String first = result.output().lines().findFirst().orElse("");
        int core = first.indexOf("[core ");
        int end = core < 0 ? -1 : first.indexOf(']', core);
        if (result.status() != 0 || end < 0) {
            throw new IOException(String.join(" ", argv) + " did not report a version (exit status " + result.status()
                    + "): " + result.output().strip());
        }
        return first.substring(core + "[core ".length(), end);
    }
}
