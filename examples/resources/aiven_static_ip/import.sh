# Adopt an existing address by PROJECT/STATIC_IP_ADDRESS_ID.
terraform import aiven_static_ip.example my-project/ip358375b2765a
