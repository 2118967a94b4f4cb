#!/usr/bin/env python3
"""Runs stages of the repository's Dockerfile without Docker, on this machine.

CI has no Docker engine, so scripts/test.sh's "image" stage executes the Dockerfile's own
instructions with this script instead of a copy of them that could drift:

    dockerfile-run.py --dockerfile Dockerfile --context . --stage deps --stage final \
        --root /app=<dir> --from build:/build=<checkout> --env npm_config_nodedir=<node>

What each instruction does here:
  FROM ... [AS name]   starts a stage; its WORKDIR and ENV start empty again, as in Docker.
  ARG, ENV             set variables for the RUN commands of the stage ($VAR/${VAR} expanded).
                       --env NAME=VALUE overrides one (the host's Node headers instead of the
                       image's /usr/local).
  WORKDIR <path>       the stage's working directory, inside --root's mapping.
  COPY [--from=s] src… dest
                       from the context (filtered by .dockerignore) or from another stage's
                       filesystem (--from stage:/path=host-dir, or a stage run earlier here);
                       copying a folder onto itself (the same host folder) is a no-op.
  RUN [--mount…] cmd   runs cmd with bash in the working directory; the --mount flags only
                       concern Docker's build cache and are dropped. A RUN that installs the base
                       image's OS packages with apt-get is not run as written on the host (it
                       would remove the host's apt lists): the packages it names are checked with
                       dpkg and the missing ones installed, so a new dependency there is honoured.
  USER, EXPOSE, HEALTHCHECK, CMD, LABEL
                       image metadata: printed, not applied (no ownership change on the host).
Anything else fails, naming the instruction, so a new kind of step is added here on purpose.
"""
import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys


def log(msg):
    print(f"\033[1;34m==>\033[0m dockerfile: {msg}", file=sys.stderr, flush=True)


def die(msg):
    print(f"\033[1;31merror:\033[0m dockerfile: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def instructions(path):
    """(line number, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    out, buf, start = [], "", 0
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not buf and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if buf and line.lstrip().startswith("#"):
                continue  # comments inside a continued instruction
            if not buf:
                start = n
            if line.endswith("\\"):
                buf += line[:-1] + " "
                continue
            buf += line
            word, _, rest = buf.strip().partition(" ")
            out.append((start, word.upper(), rest.strip()))
            buf = ""
    if buf:
        die(f"line {start}: the file ends inside a continued instruction")
    return out


def expand(text, env):
    return re.sub(
        r"\$\{(\w+)\}|\$(\w+)",
        lambda m: env.get(m.group(1) or m.group(2), ""),
        text,
    )


def flags_and_args(rest):
    words = shlex.split(rest)
    flags = {}
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key] = value
    return flags, words


class DockerIgnore:
    """The .dockerignore rules of the context: patterns, `**`, and `!` exceptions."""

    def __init__(self, context):
        self.rules = []
        path = os.path.join(context, ".dockerignore")
        if os.path.exists(path):
            for line in open(path):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                negate = line.startswith("!")
                pattern = line[1:] if negate else line
                pattern = os.path.normpath(pattern).lstrip("/")
                self.rules.append((negate, pattern))

    @staticmethod
    def _match(pattern, rel):
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                regex += ".*"
                i += 2
            else:
                c = pattern[i]
                regex += "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
                i += 1
        # A matched folder excludes everything below it.
        return re.fullmatch(regex + "(?:/.*)?", rel) is not None

    def ignored(self, rel):
        result = False
        for negate, pattern in self.rules:
            if self._match(pattern, rel):
                result = not negate
        return result


def copy_tree(src, dest, ignore=None, base=""):
    """Copies src (file or folder) to dest like Docker's COPY: a folder's contents, not itself."""
    if os.path.isdir(src):
        os.makedirs(dest, exist_ok=True)
        for name in sorted(os.listdir(src)):
            rel = f"{base}/{name}" if base else name
            if ignore and ignore(rel):
                continue
            copy_tree(os.path.join(src, name), os.path.join(dest, name), ignore, rel)
    else:
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        if os.path.lexists(dest) and os.path.isdir(dest) and not os.path.islink(dest):
            shutil.rmtree(dest)
        shutil.copy2(src, dest, follow_symlinks=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dockerfile", required=True)
    ap.add_argument("--context", required=True)
    ap.add_argument("--stage", action="append", required=True,
                    help="a stage to run, by name ('final' for the last one), in file order")
    ap.add_argument("--root", action="append", default=[],
                    help="IMAGE_PATH=HOST_DIR: where an image path of the run stages lives here")
    ap.add_argument("--from", dest="froms", action="append", default=[],
                    help="STAGE:IMAGE_PATH=HOST_DIR: a stage not run here and where its files are")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE overriding an ENV")
    ap.add_argument("--build-arg", action="append", default=[])
    a = ap.parse_args()

    context = os.path.abspath(a.context)
    ignore = DockerIgnore(context)
    roots = [tuple(r.split("=", 1)) for r in a.root]
    froms = {}
    for spec in a.froms:
        stage, _, mapping = spec.partition(":")
        image_path, _, host = mapping.partition("=")
        froms.setdefault(stage, []).append((image_path, os.path.abspath(host)))
    overrides = dict(e.split("=", 1) for e in a.env)
    build_args = dict(e.split("=", 1) for e in a.build_arg)

    def host_path(image_path, mapping):
        for prefix, host in sorted(mapping, key=lambda m: -len(m[0])):
            if image_path == prefix or image_path.startswith(prefix.rstrip("/") + "/"):
                return os.path.join(host, os.path.relpath(image_path, prefix))
        die(f"no host folder for image path {image_path} (add --root or --from)")

    steps = instructions(a.dockerfile)
    stages, current = [], None
    global_args = dict(build_args)
    for n, word, rest in steps:
        if word == "FROM":
            m = re.fullmatch(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
            current = {"line": n, "base": m.group(1), "name": m.group(2), "steps": []}
            stages.append(current)
        elif current is None:
            if word != "ARG":
                die(f"line {n}: {word} before the first FROM")
            name, _, default = rest.partition("=")
            global_args.setdefault(name, default)
        else:
            current["steps"].append((n, word, rest))
    if not stages:
        die("no FROM in the Dockerfile")
    stages[-1].setdefault("name", None)
    names = [s["name"] or ("final" if s is stages[-1] else str(i)) for i, s in enumerate(stages)]
    for wanted in a.stage:
        if wanted not in names:
            die(f"no stage '{wanted}' (stages: {', '.join(names)})")

    ran = {}  # stage name -> mapping its /paths live at
    for stage, name in zip(stages, names):
        if name not in a.stage:
            continue
        log(f"stage {name} (line {stage['line']}, FROM {expand(stage['base'], global_args)})")
        env, workdir = {}, "/"
        for n, word, rest in stage["steps"]:
            where = f"line {n}: {word}"
            if word == "ARG":
                k, _, v = rest.partition("=")
                env[k] = build_args.get(k, v)
            elif word == "ENV":
                for w in shlex.split(rest):
                    m = re.fullmatch(r"(\w+)=(.*)", w, re.S)
                    if not m:
                        die(f"{where}: use the ENV NAME=VALUE form ({rest})")
                    env[m.group(1)] = overrides.get(m.group(1), expand(m.group(2), env))
            elif word == "WORKDIR":
                workdir = os.path.join(workdir, expand(rest, env))
                os.makedirs(host_path(workdir, roots), exist_ok=True)
            elif word == "COPY":
                flags, words = flags_and_args(rest)
                *srcs, dest = [expand(w, env) for w in words]
                dest_image = os.path.join(workdir, dest)
                dest_host = host_path(dest_image, roots)
                for src in srcs:
                    if "from" in flags:
                        source = flags["from"]
                        mapping = ran.get(source) or froms.get(source)
                        if not mapping:
                            die(f"{where}: stage '{source}' was neither run here nor given with --from")
                        src_host = host_path(src, mapping)
                        rel_ignore = None
                    else:
                        src_host = os.path.join(context, src)
                        rel = os.path.normpath(src)
                        rel_ignore = lambda r, rel=rel: ignore.ignored(os.path.normpath(os.path.join(rel, r)))
                        if ignore.ignored(rel):
                            die(f"{where}: {src} is excluded by .dockerignore")
                    if not os.path.exists(src_host):
                        die(f"{where}: {src} does not exist ({src_host})")
                    target = dest_host
                    if not os.path.isdir(src_host) and (dest.endswith("/") or os.path.isdir(dest_host)):
                        target = os.path.join(dest_host, os.path.basename(src_host))
                    if os.path.realpath(src_host) == os.path.realpath(target):
                        log(f"{where} {src}: the same folder here, nothing to copy")
                        continue
                    log(f"{where} {src} -> {os.path.normpath(os.path.join(workdir, dest))}")
                    copy_tree(src_host, target, rel_ignore)
            elif word == "RUN":
                # Variables are the shell's to expand: the stage's ENV is its environment.
                command = re.sub(r"^(--\S+\s+)+", "", rest.strip())
                if command.startswith("apt-get"):
                    wanted = re.search(r"apt-get install ([^&]*)", command)
                    packages = [p for p in (wanted.group(1).split() if wanted else []) if not p.startswith("-")]
                    missing = [p for p in packages if subprocess.run(
                        ["dpkg", "-s", p], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0]
                    if missing:
                        # Installed on the host as the image would have them; never the image's
                        # `rm -rf /var/lib/apt/lists/*`.
                        log(f"{where} apt-get: installing the image's OS packages missing here: {' '.join(missing)}")
                        sudo = [] if os.geteuid() == 0 else ["sudo"]
                        ok = subprocess.run(sudo + ["apt-get", "update", "-qq"]).returncode == 0 and \
                            subprocess.run(sudo + ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install",
                                                   "-y", "-qq", "--no-install-recommends", *missing]).returncode == 0
                        if not ok:
                            die(f"{where}: cannot install the image's OS packages {' '.join(missing)}")
                    log(f"{where} apt-get (base image packages, present here: {' '.join(packages)})")
                    continue
                cwd = host_path(workdir, roots)
                log(f"{where} {command}")
                run_env = {**os.environ, **env}
                result = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=cwd, env=run_env)
                if result.returncode != 0:
                    die(f"{where} failed with exit code {result.returncode}: {command}")
            elif word in ("USER", "EXPOSE", "HEALTHCHECK", "CMD", "LABEL", "ENTRYPOINT"):
                log(f"{where} {rest} (image metadata, not applied here)")
            else:
                die(f"{where}: not supported without Docker; add it to scripts/lib/dockerfile-run.py")
        ran[name] = roots
    return 0


if __name__ == "__main__":
    sys.exit(main())
