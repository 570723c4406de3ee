"""Op families. Each module holds Function subclasses (forward on arrays, backward in Tensor ops)
and the plain functions that coerce arguments and call them."""
from . import arithmetic, elementwise, reduction, shape, indexing, linalg, views, scatter, unique  # noqa: F401
from . import fused  # noqa: F401,E402
