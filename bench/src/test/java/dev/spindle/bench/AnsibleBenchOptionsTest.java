package dev.spindle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spindle.cli.Main.UsageException;

class AnsibleBenchOptionsTest {

    @TempDir
    Path dir;

    @Test
    void theInstalledAnsibleRunsFromThePathAndReportsItsVersion() throws Exception {
        assertEquals(List.of("ansible-playbook"), AnsibleCore.installed().command("ansible-playbook"));
        assertTrue(AnsibleCore.installed().version().matches("2\\.\\d+\\.\\d+.*"), AnsibleCore.installed().version());
    }

    @Test
    void withoutOptionsItRunsThreeRoundsUnderTheInstalledAnsibleWithoutMitogen() throws UsageException {
        AnsibleBenchOptions options = parse(List.of());
        assertEquals(3, options.rounds());
        assertEquals(AnsibleCore.installed(), options.ansible());
        assertEquals(Optional.empty(), options.mitogen());
    }

    @Test
    void roundsMustBeAWholeNumberOfAtLeastOne() throws UsageException {
        assertEquals(1, parse(List.of("--rounds", "1")).rounds());
        for (String bad : List.of("0", "-2", "three", "")) {
            UsageException e = assertThrows(UsageException.class, () -> parse(List.of("--rounds", bad)));
            assertTrue(e.getMessage().contains("at least 1, not '" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains(AnsibleBenchOptions.USAGE), e.getMessage());
        }
    }

    @Test
    void anOptionWithoutItsValueOrAnUnknownOneIsAUsageError() {
        assertTrue(assertThrows(UsageException.class, () -> parse(List.of("--rounds")))
                .getMessage().startsWith("--rounds needs a value"));
        assertTrue(assertThrows(UsageException.class, () -> parse(List.of("--pairs", "3")))
                .getMessage().startsWith("unknown option '--pairs'"));
    }

    @Test
    void ansibleTakesAnUnpackedDebianPackage() throws Exception {
        Path root = dir.resolve("ansible-core-trixie/tree");
        ansibleIn(root.resolve("usr/lib/python3/dist-packages"));
        AnsibleCore core = parse(List.of("--ansible", root.toString())).ansible();
        Path packages = root.resolve("usr/lib/python3/dist-packages");
        assertEquals(Optional.of(packages), core.pythonPath());
        assertEquals(List.of("/usr/bin/python3", root.resolve("usr/bin/ansible-playbook").toString()), core.command("ansible-playbook"));
        // its dist-packages folder means the same tree
        assertEquals(core, AnsibleCore.at(packages));
    }

    @Test
    void ansibleTakesTheLibOfAnAnsibleCheckout() throws Exception {
        Path lib = dir.resolve("ansible/lib");
        ansibleIn(lib);
        Files.createDirectories(dir.resolve("ansible/bin"));
        Files.writeString(dir.resolve("ansible/bin/ansible-playbook"), "");
        AnsibleCore core = parse(List.of("--ansible", lib.toString())).ansible();
        assertEquals(Optional.of(lib), core.pythonPath());
        assertEquals(Map.of("PYTHONPATH", lib.toString()), core.environment());
        assertEquals(List.of("/usr/bin/python3", dir.resolve("ansible/bin/ansible-playbook").toString()), core.command("ansible-playbook"));
    }

    @Test
    void ansibleRefusesAFolderWithoutAnsibleCore() {
        UsageException e = assertThrows(UsageException.class,
                () -> parse(List.of("--ansible", dir.toString())));
        assertTrue(e.getMessage().startsWith("no ansible-core in " + dir), e.getMessage());
    }

    @Test
    void mitogenAddsAColumnWithItsLinearStrategy() throws Exception {
        Path strategies = Files.createDirectories(dir.resolve("mitogen/ansible_mitogen/plugins/strategy"));
        Files.writeString(strategies.resolve("mitogen_linear.py"), "");
        Column column = parse(List.of("--mitogen", dir.resolve("mitogen").toString(), "--rounds", "2"))
                .mitogen().orElseThrow();
        assertEquals(Optional.of("mitogen_linear"), column.strategy());
        assertEquals(List.of(strategies), column.strategyPlugins());
        assertEquals(Transport.VANILLA_SSH, column.transport());
        assertEquals(false, column.usesSpindleDaemon());
    }

    @Test
    void mitogenRefusesAFolderWithoutIt() {
        UsageException e = assertThrows(UsageException.class,
                () -> parse(List.of("--mitogen", dir.toString())));
        assertTrue(e.getMessage().startsWith("no Mitogen in " + dir), e.getMessage());
    }

    private static void ansibleIn(Path pythonPath) throws IOException {
        Files.createDirectories(pythonPath.resolve("ansible"));
        Files.writeString(pythonPath.resolve("ansible/release.py"), "__version__ = '2.99.0'\n");
    }

    @Test
    void onlyKeepsTheNamedScenariosAndRefusesUnknownKeys() throws UsageException {
        List<Scenario> all = List.of(new Scenario("hostname", "100 x hostname", "h.yml", List.of(), 100, false),
                new Scenario("cold", "5 tasks", "c.yml", List.of(), 5, true));
        assertEquals(all, parse(List.of()).only(all));
        assertEquals(List.of(all.get(1)), parse(List.of("--only", "cold,sudo")).only(all));
        UsageException e = assertThrows(UsageException.class, () -> parse(List.of("--only", "warm")));
        assertTrue(e.getMessage().contains("not 'warm'"), e.getMessage());
    }

    @Test
    void theLoginAccountIsRequired() {
        UsageException e = assertThrows(UsageException.class, () -> AnsibleBenchOptions.parse(List.of("--rounds", "1")));
        assertTrue(e.getMessage().startsWith("--login USER is required"), e.getMessage());
    }

    /** The options with a login account, which every benchmark needs. */
    private static AnsibleBenchOptions parse(List<String> args) throws UsageException {
        List<String> all = new java.util.ArrayList<>(List.of("--login", "someone"));
        all.addAll(args);
        return AnsibleBenchOptions.parse(all);
    }
}
