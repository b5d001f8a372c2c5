"""Data for the bundled workloads: generators (AI-GW waveforms, AI-DES galaxy stamps) and loaders.

Heavy packages (lalsuite, galsim, h5py, torch) are imported inside the functions that need them.

Example:
    >>> from envkit.data import aigw
    >>> round(aigw.effective_spins(2.0, 0.5, -0.5)[0], 4)
    0.1667
"""
