"""The web application: the PCS form, device registry, templates, batches, data views, users.

It holds no business rules: checks come from :mod:`openpcs.config`, programs and bundles from
:mod:`openpcs.program`, readings and frames from :mod:`openpcs.gateway`'s store.
"""
