"""The service catalogue (VNeID, VssID, payment accounts, online dossiers …): what a visit can help with.

Its reads live in services/queries.py; the administrator's pages that change it are in admin/.
"""
