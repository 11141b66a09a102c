# A 48x60 grey "face": light background, a darker head oval and shoulders.
W, H = 48, 60
rows = []
for y in range(H):
    row = []
    for x in range(W):
        v = 230
        dx, dy = (x - 24) / 13.0, (y - 24) / 17.0
        if dx * dx + dy * dy <= 1.0:
            v = 170
            if y in (19, 20) and x in (18, 19, 29, 30):
                v = 60
            if y == 32 and 19 <= x <= 29:
                v = 110
        elif y >= 44 and abs(x - 24) <= 4 + (y - 44) * 1.2:
            v = 120
        row.append(v)
    rows.append(bytes(row))
with open("face.pgm", "wb") as f:
    f.write(b"P5\n%d %d\n255\n" % (W, H))
    f.write(b"".join(rows))
