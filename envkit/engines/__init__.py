"""Container engines (Apptainer/Singularity, Charliecloud) behind one interface, with their build helpers."""
