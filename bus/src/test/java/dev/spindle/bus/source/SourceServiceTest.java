package dev.spindle.bus.source;

import dev.spindle.bus.testing.PythonTree;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SourceServiceTest {

    @TempDir
    Path tempDir;
    private PythonTree tree;
    private SourceService service;

    @BeforeEach
    void createTree() {
        tree = new PythonTree(tempDir);
        service = new SourceService(List.of(new SourceRoot("ansible", tree.ansible)));
    }

    @Test
    void servesAModuleUnderAnAllowedRoot() {
        assertEquals(found("ansible.module_utils.basic", false, "def main(): pass\n"),
                lookup("ansible.module_utils.basic"));
    }

    @Test
    void servesAPackageFromItsInit() {
        assertEquals(found("ansible.module_utils", true, ""), lookup("ansible.module_utils"));
        assertEquals(found("ansible", true, "# ansible\n"), lookup("ansible"));
    }

    @Test
    void packageWinsOverAModuleOfTheSameNameAsInPython() {
        assertEquals(found("ansible.both", true, "# package\n"), lookup("ansible.both"));
    }

    @Test
    void refusalSaysWhyForTheLogButAPlainNotFoundDoesNot() {
        assertEquals("refused source request for \"os\": it is not under an allow-listed root [ansible]",
                service.lookup(request("os")).problem());
        assertNull(service.lookup(request("ansible.nope")).problem());
    }

    @Test
    void missingModuleIsNotFound() {
        assertEquals(notFound("ansible.nope"), lookup("ansible.nope"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"os", "ansiblex.basic", "Ansible", "outside_pkg", "secret"})
    void nameOutsideTheAllowedRootsIsRefused(String fullname) {
        assertEquals(notFound(fullname), lookup(fullname));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../secret", "ansible/../../secret", "ansible..leak", "ansible.", ".ansible",
            "ansible. both", "ansible.module_utils/basic", "", "ansible.basic\n", "ansible.caf\u00e9", "1ansible"})
    void nameThatIsNotDottedIdentifiersIsRefusedWithoutEchoingIt(String fullname) {
        assertEquals(notFound(null), lookup(fullname));
    }

    @Test
    void hugeNameIsRefusedWithoutEchoingIt() {
        assertEquals(notFound(null), lookup("ansible." + "a".repeat(10_000_000)));
    }

    @Test
    void fullnameThatIsNotAStringIsRefused() {
        assertEquals(notFound(null), service.lookup(new JsonObject().put("fullname", 42)).payload());
        assertEquals(notFound(null), service.lookup(new JsonObject()).payload());
    }

    @Test
    void symlinkedFileLeavingTheRootIsRefused() {
        assertEquals(notFound("ansible.leak"), lookup("ansible.leak"));
    }

    @Test
    void symlinkedDirectoryLeavingTheRootIsRefused() {
        assertEquals(notFound("ansible.outside"), lookup("ansible.outside"));
        assertEquals(notFound("ansible.outside.mod"), lookup("ansible.outside.mod"));
    }

    @Test
    void symlinkStayingInsideTheRootIsServed() {
        assertEquals(found("ansible.alias", false, "def main(): pass\n"), lookup("ansible.alias"));
    }

    @Test
    void rootGivenThroughASymlinkIsServed() throws IOException {
        Path link = Files.createSymbolicLink(tempDir.resolve("ansible_link"), tree.ansible);
        SourceService viaLink = new SourceService(List.of(new SourceRoot("ansible", link)));

        assertEquals(found("ansible", true, "# ansible\n"), viaLink.lookup(request("ansible")).payload());
        assertEquals(notFound("ansible.leak"), viaLink.lookup(request("ansible.leak")).payload());
    }

    @Test
    void sourceThatIsNotUtf8IsRefused() {
        assertEquals(notFound("ansible.latin1"), lookup("ansible.latin1"));
    }

    @Test
    void rootsMustBeSingleIdentifiersListedOnce() {
        assertThrows(IllegalArgumentException.class, () -> new SourceRoot("ansible.module_utils", tree.ansible));
        assertThrows(IllegalArgumentException.class, () -> new SourceService(
                List.of(new SourceRoot("ansible", tree.ansible), new SourceRoot("ansible", tempDir))));
    }

    private JsonObject lookup(String fullname) {
        return service.lookup(request(fullname)).payload();
    }

    private static JsonObject request(String fullname) {
        return new JsonObject().put("fullname", fullname);
    }

    private static JsonObject found(String fullname, boolean isPackage, String source) {
        return new JsonObject().put("fullname", fullname).put("found", true).put("is_pkg", isPackage)
                .put("source", source);
    }

    private static JsonObject notFound(String fullname) {
        return new JsonObject().put("fullname", fullname).put("found", false);
    }
}
