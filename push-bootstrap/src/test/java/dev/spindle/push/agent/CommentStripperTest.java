package dev.spindle.push.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CommentStripperTest {

    @Test
    void blanksCommentLinesKeepingLineNumbers() {
        assertEquals("x = 1\n\n    y = 2  # kept\n", CommentStripper.strip("x = 1\n    # why\n    y = 2  # kept\n"));
    }

    @Test
    void leavesHashesInsideTripleQuotedStringsAlone() {
        String source = "DOC = \"\"\"\n# not a comment\n\"\"\"\ns = '\"\"\"'\n# gone\nT = '''a\n#b'''\n";
        assertEquals("DOC = \"\"\"\n# not a comment\n\"\"\"\ns = '\"\"\"'\n\nT = '''a\n#b'''\n", CommentStripper.strip(source));
    }

    @Test
    void keepsTheShebang() {
        assertEquals("#!/usr/bin/python3\n\n", CommentStripper.strip("#!/usr/bin/python3\n# c\n"));
    }
}
