"""Build hook for the one compiled module; everything else is declared in pyproject.toml."""

from setuptools import Extension, setup

# The GDV reader's field decoder, compiled with Cython (a build requirement). Optional: without a
# C compiler the install goes on and the reader uses its Python decoders (same values, slower).
setup(
    ext_modules=[
        Extension(
            "kontor.exchange.gdv._fields",
            ["src/kontor/exchange/gdv/_fields.pyx"],
            optional=True,
        )
    ]
)
