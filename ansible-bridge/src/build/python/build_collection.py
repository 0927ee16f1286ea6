"""Builds the spindle.ansible collection tarball, as `ansible-galaxy collection build` would lay it
out, with the standard library only (the build needs neither ansible-galaxy nor the network).

    build_collection.py VERSION PYTHON_SOURCES COLLECTION_FILES OUT_DIR

The collection holds the ansible_spindle package under plugins/plugin_utils/, and its connection
and strategy plugins as symlinks into that copy: a plugin finds its package through the realpath
of its file, the same way in a checkout and in an installed collection. ansible-galaxy installs
links that stay inside the collection, and checks every file against FILES.json (a link counts
as the file it points to). Entries are sorted and dated 0, so a build is reproducible.
"""

import hashlib
import io
import json
import os
import sys
import tarfile

NAMESPACE = "spindle"
NAME = "ansible"
PACKAGE = "ansible_spindle"
PACKAGE_DIR = "plugins/plugin_utils/" + PACKAGE
PLUGIN_TYPES = ("connection", "strategy")


def collection_entries(python_sources, collection_files):
    """{path in the collection: bytes of a file, or ("link", target), or None for a directory}."""
    entries = {}

    def add_tree(source, dest):
        for root, dirs, files in os.walk(source):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            relative = os.path.relpath(root, source)
            base = dest if relative == "." else dest + "/" + relative.replace(os.sep, "/")
            entries[base] = None
            for name in sorted(files):
                if not name.endswith((".pyc", ".pyo")):
                    with open(os.path.join(root, name), "rb") as f:
                        entries[base + "/" + name] = f.read()

    for name in sorted(os.listdir(collection_files)):
        path = os.path.join(collection_files, name)
        if os.path.isdir(path):
            add_tree(path, name)
        else:
            with open(path, "rb") as f:
                entries[name] = f.read()
    add_tree(os.path.join(python_sources, PACKAGE), PACKAGE_DIR)
    for plugin_type in PLUGIN_TYPES:
        for name in sorted(os.listdir(os.path.join(python_sources, PACKAGE, "plugins", plugin_type))):
            if name.endswith(".py") and not name.startswith("_"):
                target = "../plugin_utils/%s/plugins/%s/%s" % (PACKAGE, plugin_type, name)
                entries["plugins/%s/%s" % (plugin_type, name)] = ("link", target)
    for path in list(entries):
        parent = os.path.dirname(path)
        while parent:
            entries.setdefault(parent, None)
            parent = os.path.dirname(parent)
    return entries


def content_of(entries, path):
    """The bytes a path reads as, following links as the archive resolves them."""
    entry = entries[path]
    if isinstance(entry, tuple):
        return content_of(entries, os.path.normpath(os.path.join(os.path.dirname(path), entry[1])))
    return entry


def files_manifest(entries):
    files = [{"name": ".", "ftype": "dir", "chksum_type": None, "chksum_sha256": None, "format": 1}]
    for path in sorted(entries):
        if entries[path] is None:
            files.append({"name": path, "ftype": "dir", "chksum_type": None, "chksum_sha256": None, "format": 1})
        else:
            files.append({"name": path, "ftype": "file", "chksum_type": "sha256",
                          "chksum_sha256": hashlib.sha256(content_of(entries, path)).hexdigest(), "format": 1})
    return {"files": files, "format": 1}


def collection_manifest(version, files_json):
    return {
        "collection_info": {
            "namespace": NAMESPACE, "name": NAME, "version": version,
            "authors": ["Spindle"], "readme": "README.md", "tags": ["ssh", "connection", "strategy", "performance"],
            "description": "Spindle's connection and strategy plugins: one SSH connection and one persistent agent per host",
            "license": [], "license_file": None, "dependencies": {},
            "repository": None, "documentation": None, "homepage": None, "issues": None,
        },
        "file_manifest_file": {"name": "FILES.json", "ftype": "file", "chksum_type": "sha256",
                               "chksum_sha256": hashlib.sha256(files_json).hexdigest(), "format": 1},
        "format": 1,
    }


def _json_bytes(value):
    return json.dumps(value, indent=4, sort_keys=True).encode("utf-8")


def write_tarball(out_path, entries, version):
    files_json = _json_bytes(files_manifest(entries))
    manifest_json = _json_bytes(collection_manifest(version, files_json))
    with tarfile.open(out_path, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        def add(path, entry):
            info = tarfile.TarInfo(path)
            info.mtime = 0
            if entry is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif isinstance(entry, tuple):
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, entry[1], 0o777
                tar.addfile(info)
            else:
                info.size, info.mode = len(entry), 0o644
                tar.addfile(info, io.BytesIO(entry))

        add("MANIFEST.json", manifest_json)
        add("FILES.json", files_json)
        for path in sorted(entries):
            add(path, entries[path])


def main(argv):
    version, python_sources, collection_files, out_dir = argv
    os.makedirs(out_dir, exist_ok=True)
    out_path = os.path.join(out_dir, "%s-%s-%s.tar.gz" % (NAMESPACE, NAME, version))
    write_tarball(out_path, collection_entries(python_sources, collection_files), version)
    print("built collection %s.%s %s: %s" % (NAMESPACE, NAME, version, out_path))


if __name__ == "__main__":
    main(sys.argv[1:])
