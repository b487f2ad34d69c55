"""Builds strata's C++ core (the extension strata._core) with CMake for `pip install .`.

The metadata is in pyproject.toml. The extension is the CMake target
strata_core (pybind11), built without the CLI and the tests, for the
interpreter running pip, and without -march=native (what a wheel ships).
CMAKE_BUILD_PARALLEL_LEVEL sets the build's parallelism (default: all cores).
"""
import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve()
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        build.mkdir(parents=True, exist_ok=True)
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), *generator, "-DCMAKE_BUILD_TYPE=Release",
                        "-DSTRATA_BUILD_CLI=OFF", "-DSTRATA_BUILD_TESTS=OFF", "-DSTRATA_NATIVE=OFF",
                        f"-DPython_EXECUTABLE={sys.executable}"], check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", str(build), "--target", "strata_core", "-j", jobs], check=True)
        built = next((build / "python" / "strata").glob("_core*" + pathlib.Path(target).suffix))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(ext_modules=[CMakeExtension("strata._core")], cmdclass={"build_ext": CMakeBuild})
