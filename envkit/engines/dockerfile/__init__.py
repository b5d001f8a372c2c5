"""Helpers for engines that build the Dockerfile form: the debootstrap root file system, the staged build
context, the host's pip settings as build-time ARGs, fakeroot for apt, and scrubbing ARGs from the image."""
