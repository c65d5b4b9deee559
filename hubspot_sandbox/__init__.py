"""A local HubSpot CRM server speaking HubSpot's real protocol, for tests, demos and benchmarks.

``from hubspot_sandbox import SandboxServer``; see README.md in this package.
"""

from .server import SandboxServer

__all__ = ["SandboxServer"]
