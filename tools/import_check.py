"""`make build`'s check: every function, as `sam build` packaged it, imports with its layer and with only what
the Lambda runtime adds (boto3 and its dependencies, less urllib3, which the layer must carry itself).

Each function is imported in a fresh interpreter that sees the standard library, the function's built
directory, the built layer and a copy of the runtime's boto3, nothing of this machine's virtualenv. The layer
is built for arm64; where this machine cannot load an arm64 extension module, the same module of the same
package version is loaded from this machine's virtualenv instead (the version is checked first).
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
import sys
import sysconfig
from pathlib import Path

# What the python3.12 Lambda runtime provides beside the standard library (urllib3 left out on purpose).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six")

_IMPORT = r"""
import importlib.abc, importlib.machinery, importlib.util, json, pathlib, sys, time
function_dir, layer, runtime, host_site, foreign = sys.argv[1:6]
sys.path[:0] = [function_dir, layer, runtime]
layer, host_site = pathlib.Path(layer), pathlib.Path(host_site)

class HostBinary(importlib.abc.MetaPathFinder):
    # Loads this machine's build of an extension module the layer holds for another architecture.
    def find_spec(self, fullname, path, target=None):
        parts = fullname.split(".")
        folder = pathlib.Path(*parts[:-1])
        if not list((layer / folder).glob(parts[-1] + ".cpython-312-" + foreign + "-linux-gnu.so")):
            return None
        hosts = list((host_site / folder).glob(parts[-1] + ".cpython-312-*.so"))
        if not hosts:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(hosts[0]))
        return importlib.util.spec_from_file_location(fullname, hosts[0], loader=loader)

if foreign:
    sys.meta_path.insert(0, HostBinary())
started = time.perf_counter()
import app
assert callable(app.lambda_handler), "no lambda_handler"
files = [getattr(m, "__file__", None) or "" for m in list(sys.modules.values())]
outside = sorted({f.split("/site-packages/")[0] for f in files if "/site-packages/" in f and not f.endswith(".so")})
print(json.dumps({"ms": round((time.perf_counter() - started) * 1000), "outside": outside}))
"""


def runtime_copy(root: Path) -> Path:
    """boto3 and its dependencies at this virtualenv's versions, installed apart (once)."""
    target = root / "lambda-runtime"
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in RUNTIME_PACKAGES]
    marker = target / ".pins"
    if not marker.exists() or marker.read_text() != "\n".join(pins):
        install = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
        subprocess.run(  # noqa: S603 - our own interpreter installing pinned packages
            [*install, "--target", str(target), "--upgrade", *pins],
            check=True,
        )
        marker.write_text("\n".join(pins))
    return target


def check(build_dir: Path) -> list[str]:
    layer = build_dir / "DomainLayer" / "python"
    problems = [] if (layer / "urllib3").is_dir() else ["the layer does not carry urllib3"]
    machine = {"x86_64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}[platform.machine()]
    foreign = "aarch64" if machine == "x86_64" else "x86_64"
    if list(layer.rglob(f"*.cpython-312-{foreign}-linux-gnu.so")):
        for dist in layer.glob("*.dist-info"):
            name, version = dist.name.removesuffix(".dist-info").rsplit("-", 1)
            try:
                if importlib.metadata.version(name) != version:
                    problems.append(f"{name}: layer {version}, this machine {importlib.metadata.version(name)}")
            except importlib.metadata.PackageNotFoundError:
                problems.append(f"{name}: not installed here, so its arm64 modules cannot be stood in for")
    else:
        foreign = ""
    runtime = runtime_copy(build_dir.parent)
    host_site = sysconfig.get_paths()["purelib"]
    functions = sorted(p for p in build_dir.iterdir() if (p / "app.py").exists())
    for function in functions:
        run = subprocess.run(  # noqa: S603 - our own interpreter importing our own build
            [sys.executable, "-I", "-S", "-c", _IMPORT, str(function), str(layer), str(runtime), host_site, foreign],
            capture_output=True,
            text=True,
            env={"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "live-gmv-max-mission", "PATH": ""},
            cwd=function,
        )
        if run.returncode != 0:
            problems.append(f"{function.name}: {run.stderr.strip().splitlines()[-1] if run.stderr else run.returncode}")
            continue
        result = json.loads(run.stdout.strip().splitlines()[-1])
        strays = [path for path in result["outside"] if not path.startswith((str(layer), str(runtime)))]
        if strays:
            problems.append(f"{function.name}: imported from outside the build: {strays}")
        print(f"  {function.name:<28} imports in {result['ms']:>4} ms")
    if not functions:
        problems.append(f"no built functions under {build_dir}")
    return problems


if __name__ == "__main__":
    build = Path(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build").resolve()
    print(f"import check of {build}:")
    found = check(build)
    for problem in found:
        print(f"  FAILED {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
