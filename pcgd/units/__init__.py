"""Administrative units: provinces, districts (pre-2025), communes, hamlets, ĐBKK flags."""
