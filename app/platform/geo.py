"""Distances on the scale of a ward, where the Earth may be taken as flat."""

# One degree of latitude (and of longitude at the equator), on a sphere of the Earth's mean
# radius, 6,371 km: 6371 × π / 180. Longitude degrees shrink by cos(latitude).
KM_PER_DEGREE = 111.195
