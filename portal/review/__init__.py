"""Officers' verification, decisions and legal review of exemption applications."""
