def main() -> int:
    print("chainstep")
    return 0
