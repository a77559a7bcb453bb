global using AspireShop.TestKit;
