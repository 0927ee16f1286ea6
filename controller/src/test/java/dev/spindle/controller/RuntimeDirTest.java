package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeDirTest {

    @TempDir
    Path dir;

    @Test
    void createsTheDirectoryOwnerOnly() throws IOException {
        Path rt = RuntimeDir.open(dir.resolve("rt")).path();
        assertTrue(Files.getPosixFilePermissions(rt).equals(PosixFilePermissions.fromString("rwx------")));
    }

    @Test
    void refusesADirectoryOthersCanOpen() throws IOException {
        Path open = Files.createDirectory(dir.resolve("open"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-x---"));
        IOException e = assertThrows(IOException.class, () -> RuntimeDir.open(open));
        assertTrue(e.getMessage().contains("chmod 700"), e.getMessage());
    }

    @Test
    void refusesASymlink() throws IOException {
        Path target = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        assertThrows(IOException.class, () -> RuntimeDir.open(link));
    }
}
