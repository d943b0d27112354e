"""Fix edits, computed lazily with libcst (formatting and comments survive).

A rule offers a fix by id (`FixOffer.fix_id`); the edits are computed only when a code action or the
CLI's JSON output asks for them. Each fix is a function registered under its id, in a module of this
package, that rewrites the libcst tree at the finding's span.
"""

from __future__ import annotations

from msmigrate.fixes.core import FixError, compute_edits, fix_ids, register_fix

__all__ = ["FixError", "compute_edits", "fix_ids", "register_fix"]
