"""Every query of the tourism feature: the catalogue (spots, products, slots and their stock,
visitors) and the sales (holds and tickets)."""
