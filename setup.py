"""Install both packages of this repository.

* `labml_nn_distill`: the annotated distillation tutorial (imports torch, never the generator).
* `annotated_docs`: the site generator that renders it into `docs/` (never imports torch).

Version pins are explained in README.md ("Why these versions").
"""
from setuptools import find_packages, setup

setup(
    name="labml_nn_distill",
    version="0.1.0",
    description="Annotated PyTorch tutorial of Hinton, Vinyals & Dean (2015), "
                "Distilling the Knowledge in a Neural Network, with its site generator",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["labml_nn_distill", "labml_nn_distill.*",
                                    "annotated_docs", "annotated_docs.*"]),
    include_package_data=True,
    package_data={"labml_nn_distill": ["*.md"],
                  "annotated_docs": ["templates/*", "static/*"]},
    install_requires=[
        # torch and torchvision must be a matching pair; see README.md.
        "torch==2.14.1",
        "torchvision==0.29.1",
        "labml==0.5.3",
        "mlxtend>=0.23",
        "matplotlib>=3.8",
        "numpy>=1.26",
        # site generator
        "markdown-it-py>=3.0",
        "mdit-py-plugins>=0.4",
        "math-core>=0.9",
        "Pygments>=2.17",
        "Jinja2>=3.1",
        "nh3>=0.2.17",
        "PyYAML>=6.0",
        # translations: export-po / import-po
        "polib>=1.2",
        # site: notebooks per page, the math font subset as woff2
        "nbformat>=5.9",
        "fonttools>=4.47",
        "brotli>=1.1",
        # site: scripts and styles shipped without their comments (the notes stay in the sources)
        "rjsmin>=1.2",
        "rcssmin>=1.1",
    ],
    extras_require={
        # nbclient + ipykernel execute notebooks headless in tests/test_site_notebooks.py;
        # ipywidgets: labml's logger asks for it in a kernel without `_` in its environment
        "test": ["pytest>=8", "playwright>=1.40", "hypothesis>=6.100",
                 "nbclient>=0.10", "ipykernel>=6.29", "ipywidgets>=8.1"],
    },
    entry_points={
        "console_scripts": ["annotated-docs=annotated_docs.__main__:main"],
    },
)
