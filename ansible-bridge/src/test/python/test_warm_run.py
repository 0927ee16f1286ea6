"""Real payloads of the running ansible-core, under the settings that shape them, run warm and
the vanilla way: the same rc, stdout and stderr.

Warm is what Spindle does with a payload: the plugin's ansiballz reads it, and the agent's task
side (spindle_agent.modrunner, the code the fork server runs) runs the module from what was
read. Vanilla is Ansible's pipelining: the payload on the stdin of the interpreter. Both run as
real processes on /usr/bin/python3; test_versions runs this once per ansible-core tree.
"""

import base64
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import unittest

import bridge_harness
from bridge_harness import requires_ansible

if bridge_harness.ANSIBLE_MISSING is None:
    import ansible.release
    from ansible.executor import module_common
    from ansible_spindle.ansiballz import parse_module_invocation

AGENT_SOURCES = os.path.join(bridge_harness.REPO, "push-bootstrap", "src", "main", "python")
PYTHON = "/usr/bin/python3"
RUN_WARM = "import sys; sys.path.insert(0, %r); from spindle_agent.modrunner import run_stdin; run_stdin()"

# Reports what the wrapper's settings change, or fails the ways a module can.
PROBE_MODULE = r'''#!/usr/bin/python
import os, resource
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(how=dict(type="str", default="report")))
    if module.params["how"] == "raise":
        raise ValueError("boom from a module")
    module.exit_json(nofile=list(resource.getrlimit(resource.RLIMIT_NOFILE)),
                     coverage_file=os.environ.get("COVERAGE_FILE"), fqn=globals().get("_module_fqn"))


if __name__ == "__main__":
    main()
'''
# File names differ: the temp dir AnsiballZ made is random, the agent's zip has its own.
PAYLOAD_PATH = re.compile(r"/[^\s\"']*ansible_\w+_payload(?:_\w+|\.zip)|/proc/\d+/fd/\d+")


def _normalized(output):
    return PAYLOAD_PATH.sub("<payload>", output.decode("utf-8", "replace"))


@requires_ansible
class WarmRunTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="spindle-warm-run-")
        cls.probe = os.path.join(cls.scratch, "spindle_probe.py")
        with open(cls.probe, "w") as f:
            f.write(PROBE_MODULE)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch)

    def assert_warm_like_vanilla(self, args=None, env=None, **settings):
        payload, _ = bridge_harness.ansiballz_payload(
            "spindle_probe", {"how": "report"} if args is None else args, interpreter=PYTHON,
            module_path=self.probe, **settings)
        invocation = parse_module_invocation(PYTHON, payload)
        vanilla = subprocess.run([PYTHON], input=payload, capture_output=True, cwd=self.scratch, env=env)
        zip_bytes = base64.b64decode(invocation.zip_b64)
        spec = json.dumps({"fqn": invocation.fqn, "params": invocation.params, "env": {}, "cwd": self.scratch,
                           "zip_len": len(zip_bytes), "shown": None, "wrapper": invocation.wrapper})
        warm = subprocess.run([PYTHON, "-c", RUN_WARM % AGENT_SOURCES], input=spec.encode() + b"\n" + zip_bytes,
                              capture_output=True, env=env)
        self.assertEqual((warm.returncode, _normalized(warm.stdout), _normalized(warm.stderr)),
                         (vanilla.returncode, _normalized(vanilla.stdout), _normalized(vanilla.stderr)),
                         "ansible-core %s" % ansible.release.__version__)
        return vanilla.returncode, json.loads(vanilla.stdout.decode())

    def test_plain_payload(self):
        rc, result = self.assert_warm_like_vanilla()
        self.assertEqual(rc, 0)
        self.assertTrue(result["fqn"].endswith(".spindle_probe"), result["fqn"])

    def test_rlimit_nofile(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = min(soft, hard) // 2
        rc, result = self.assert_warm_like_vanilla(ansible_python_module_rlimit_nofile=wanted)
        self.assertEqual(result["nofile"][0], wanted)

    def test_stored_zip(self):
        self.assert_warm_like_vanilla(module_compression="ZIP_STORED")

    def test_module_raising(self):
        if not self._reports_exceptions():
            self.skipTest("before 2.19 the traceback names the wrapper's frames (<stdin>); test_modules compares the rest")
        rc, result = self.assert_warm_like_vanilla({"how": "raise"})
        self.assertEqual((rc, result["failed"]), (1, True))

    def test_coverage_check_without_coverage_installed(self):
        # ansible-test's setting: with no output, the wrapper only checks coverage is importable.
        previous = dict(os.environ)
        os.environ.update(_ANSIBLE_COVERAGE_CONFIG="/nonexistent/coveragerc", _ANSIBLE_COVERAGE_OUTPUT="")
        try:
            rc, result = self.assert_warm_like_vanilla(
                _ansible_ansiballz_coverage_config={"config": "/nonexistent/coveragerc", "output": None})
        finally:
            os.environ.clear()
            os.environ.update(previous)
        self.assertEqual((rc, result["failed"]), (1, True))

    def _reports_exceptions(self):
        """Whether the wrapper reports an uncaught exception as JSON (2.19+); before, CPython's
        traceback names the wrapper's own frames (<stdin>), which a warm run cannot have."""
        return hasattr(module_common, "_get_ansiballz_code")


if __name__ == "__main__":
    unittest.main()
