"""Why a stack cannot be planned: always names the inventory record at fault."""


class StackError(Exception):
    """The inventory does not describe a site the stacks can build."""
