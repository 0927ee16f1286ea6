package dev.spindle.bench.equivalence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

import dev.spindle.bench.AnsibleConfig;
import dev.spindle.bench.ControlMasters;
import dev.spindle.bench.InventoryHost;
import dev.spindle.bench.PlaybookRun;
import dev.spindle.bench.RepositoryLayout;
import dev.spindle.bench.SpindleDaemon;
import dev.spindle.bench.Transport;
import dev.spindle.testkit.TestAccounts;
import io.vertx.core.json.JsonObject;

/**
 * Runs the suite's playbooks under one transport and ansible-core, each as its own ansible-playbook process in
 * the same run directory (with the environment a playbook about a setting that is no task variable needs),
 * the pipelined-only one first with ~/.ansible/tmp snapshots around it.
 * For spindle_ssh and the Spindle strategies the plugin starts a daemon of a private runtime directory, kept warm across
 * the playbooks (SPINDLE_PERSIST) so the whole suite may log in once; it is stopped at the end.
 */
final class SuiteRunner {

    static final String PIPELINED = "pipelined.yml";
    static final String INTERPRETER_DISCOVERY = "interpreter_discovery.yml";
    static final List<String> PLAYBOOKS = List.of(PIPELINED, "payload_settings.yml", "commands.yml", "files.yml",
            "facts.yml", "control.yml", "become.yml", "accounts.yml", "failures.yml", "async.yml", "delegation.yml",
            "module_styles.yml", INTERPRETER_DISCOVERY, "isolation.yml", "keep_remote_files.yml");
    /** Settings that are no task variable, for the one playbook about them. */
    private static final Map<String, Map<String, String>> PLAYBOOK_ENVIRONMENT = Map.of(
            "keep_remote_files.yml", Map.of("ANSIBLE_KEEP_REMOTE_FILES", "1"));
    /** Comma-separated playbook names: runs only those (while working on a case); all of them by default. */
    static final String ONLY_PROPERTY = "spindle.equivalence.playbooks";
    private static final Duration PLAYBOOK_TIMEOUT = Duration.ofMinutes(5);

    private final SuiteTarget target;
    private final RepositoryLayout repo;
    private final Path playbooks;
    private final Path bigFile;
    private final Path launcher;

    SuiteRunner(SuiteTarget target, RepositoryLayout repo, Path bigFile, Path launcher) {
        this.target = target;
        this.repo = repo;
        this.playbooks = repo.root().resolve("bench/src/test/playbooks");
        this.bigFile = bigFile;
        this.launcher = launcher;
    }

    SuiteRun run(Transport transport, AnsibleTree ansible, String label, Path runDir)
            throws IOException, InterruptedException {
        Files.createDirectories(runDir);
        target.resetRemoteState();
        Path config = writeConfig(transport, runDir);
        Path vars = Files.writeString(runDir.resolve("vars.json"), suiteVars(runDir).encodePrettily());
        Path runtimeDir = runDir.resolve("spindle-runtime");
        Map<String, String> env = new HashMap<>(Map.of("SPINDLE_RECORD_FILE", runDir.resolve("record.jsonl").toString()));
        env.putAll(ansible.environment());
        if (transport.usesSpindle()) {
            env.putAll(SpindleDaemon.environment(runtimeDir, launcher, "10m"));
        }
        Map<String, Integer> exitStatus = new LinkedHashMap<>();
        Map<String, Long> logins = new LinkedHashMap<>();
        Map<String, Path> outputs = new LinkedHashMap<>();
        SortedMap<String, String> tmpBefore = null;
        SortedMap<String, String> tmpAfter = null;
        try {
            for (String playbook : playbooksToRun()) {
                if (playbook.equals(PIPELINED)) {
                    tmpBefore = target.ansibleTmpSnapshot();
                }
                long loginsBefore = target.logins();
                Map<String, String> playbookEnv = new HashMap<>(env);
                playbookEnv.putAll(PLAYBOOK_ENVIRONMENT.getOrDefault(playbook, Map.of()));
                PlaybookRun.Outcome outcome = PlaybookRun.run(runDir, config, playbookEnv,
                        // -vvv: Spindle's request log and the agents' forwarded logs show, and the
                        // test checks that no password does
                        List.of("-vvv", "-e", "@" + vars, playbooks.resolve(playbook).toString()), PLAYBOOK_TIMEOUT);
                logins.put(playbook, target.logins() - loginsBefore);
                exitStatus.put(playbook, outcome.exitStatus());
                outputs.put(playbook, Files.move(outcome.output(), runDir.resolve(playbook + ".out")));
                if (playbook.equals(PIPELINED)) {
                    tmpAfter = target.ansibleTmpSnapshot();
                }
            }
        } finally {
            try {
                ControlMasters.closeAll(runDir.resolve("cp"));
            } finally {
                Optional<SpindleDaemon> daemon = SpindleDaemon.find(runtimeDir);
                if (daemon.isPresent()) {
                    daemon.get().stop();
                }
            }
        }
        RecordedRun results = RecordedRun.read(label, runDir.resolve("record.jsonl"), runDir);
        return new SuiteRun(transport, results, exitStatus, logins, outputs, tmpBefore, tmpAfter);
    }

    static List<String> playbooksToRun() {
        String only = System.getProperty(ONLY_PROPERTY, "").strip();
        if (only.isEmpty()) {
            return PLAYBOOKS;
        }
        List<String> chosen = List.of(only.split("\\s*,\\s*"));
        for (String name : chosen) {
            if (!PLAYBOOKS.contains(name)) {
                throw new IllegalArgumentException(ONLY_PROPERTY + ": no playbook " + name + " in the suite " + PLAYBOOKS);
            }
        }
        return chosen;
    }

    private Path writeConfig(Transport transport, Path runDir) throws IOException {
        Path inventory = InventoryHost.writeInventory(runDir.resolve("inventory.ini"),
                Map.of("targets", List.of(target.reachable()), "unreachable", List.of(target.unreachable())));
        return AnsibleConfig.forTransport(transport, repo, inventory, runDir.resolve("cp"))
                .with("defaults", "callbacks_enabled", "spindle_record")
                .with("defaults", "callback_plugins", playbooks.resolve("callback_plugins").toString())
                .with("defaults", "library", playbooks.resolve("library").toString())
                // becoming spindle-other with su is never pipelined: without setfacl on the target,
                // Ansible can only hand it the module's temp files world-readable
                .with("defaults", "allow_world_readable_tmpfiles", "True")
                .write(runDir.resolve("ansible.cfg"));
    }

    private JsonObject suiteVars(Path runDir) {
        return new JsonObject()
                .put("eq_dir", SuiteTarget.WORK_DIR.toString())
                .put("other_dir", SuiteTarget.OTHER_WORK_DIR.toString())
                .put("other_user", TestAccounts.OTHER)
                .put("sudo_password", TestAccounts.loginPassword())
                .put("su_password", TestAccounts.otherPassword())
                .put("nologin_user", SuiteTarget.NOLOGIN_USER)
                .put("doomed_user", SuiteTarget.DOOMED_USER)
                .put("accounts_sudoers", SuiteTarget.ACCOUNTS_SUDOERS.toString())
                .put("big_file", bigFile.toString())
                .put("run_dir", runDir.toString());
    }
}
