"""Stage-2 prelude (docs/protocol.md section 5).

Contract: this file is not imported. Its source is the tail of stage 2 and runs in __main__,
where stage 1 defined Z (the compressed stage 2) and the head of stage 2 defined CONFIG (the
agent's configuration) and SOURCES ({"spindle_agent.x": [is_pkg, "source"]}, this file
included). It puts spindle_agent.importer.SourceFinder first on sys.meta_path so the whole
package loads from SOURCES, then hands over to spindle_agent.main.main(CONFIG), which never
returns. Z and SOURCES stay in RAM: children are bootstrapped from them, not over the WAN.
"""

import sys

__all__ = []


def _install_source_finder(sources):
    # The finder class lives in spindle_agent.importer, which itself has to be imported
    # through a finder: load a throwaway copy by hand, import the real module through it,
    # then swap in an instance of the real class.
    bootstrap = {"__name__": "spindle_agent.importer"}
    exec(sources["spindle_agent.importer"][1], bootstrap)
    sys.meta_path.insert(0, bootstrap["SourceFinder"](sources))
    import spindle_agent.importer
    sys.meta_path[0] = spindle_agent.importer.SourceFinder(sources)


# "python -c" puts the working directory first on sys.path; a stray json.py there must not
# shadow the standard library.
sys.path[:] = [entry for entry in sys.path if entry]
_install_source_finder(SOURCES)  # noqa: F821 (defined by stage 2)
import spindle_agent.main  # noqa: E402
spindle_agent.main.main(CONFIG)  # noqa: F821
