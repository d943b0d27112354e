"""A model zoo whose package __init__ fails to import, as torchvision 0.28's does beside the CPU build of torch
("operator torchvision::nms does not exist"): its model modules still import once this file is bypassed."""

raise RuntimeError("zoo needs its compiled operators, which this build lacks")
