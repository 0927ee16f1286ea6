"""Spindle's Ansible side: the client for the Spindle daemon and the connection plugins.

The plugins themselves live in plugins/connection/ (Ansible loads them by path); everything
they share is in the modules of this package.
"""
