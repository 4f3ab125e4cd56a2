"""The MCP server: Lowtato's API as MCP tools, built on the SDK (``lowtato.client``)."""
